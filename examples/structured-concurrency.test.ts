/**
 * A test suite with structured concurrency: one sandbox per `layer(...)` block, shared
 * by its tests, stopped when the block ends; sandboxes created inside a test are
 * stopped when the test's scope ends — even when the test fails or times out.
 *
 * Runs with the project's tests (`npm test`), against the runtime double.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { Microsandbox, Sandbox, SandboxConfig } from "../src/index.js"

class Shared extends Context.Tag("example/Shared")<Shared, Sandbox.Sandbox>() {}

const TestRuntime = Microsandbox.layer({ libraryPath: process.env.MSBD_LIBRARY })
const SharedSandbox = Sandbox.layer(Shared, "example-shared", SandboxConfig.image("alpine"))

describe("a suite that shares one sandbox", () => {
  layer(Layer.provideMerge(SharedSandbox, TestRuntime), { excludeTestServices: true })((it) => {
    it.effect("runs commands in the shared sandbox", () =>
      Effect.gen(function*() {
        const sandbox = yield* Shared
        const result = yield* sandbox.exec("echo", ["shared"])
        expect(result.stdout).toBe("shared\n")
      }))

    it.scoped("fans out to short-lived sandboxes, all stopped at the end of the test", () =>
      Effect.gen(function*() {
        const outputs = yield* Effect.forEach(
          ["a", "b", "c"],
          (id) =>
            Sandbox.make(`example-worker-${id}`, SandboxConfig.image("alpine"), SandboxConfig.ephemeral())
              .pipe(
                Effect.flatMap((sandbox) => sandbox.shell(`echo worker ${id}`)),
                Effect.map((r) => r.stdout.trim())
              ),
          { concurrency: "unbounded" }
        )
        expect(outputs).toEqual(["worker a", "worker b", "worker c"])
      }))

    it.effect("a failing test still stops its sandboxes", () =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(Effect.scoped(
          Sandbox.make("example-doomed", SandboxConfig.image("alpine")).pipe(
            Effect.zipRight(Effect.fail("the test's own failure"))
          )
        ))
        expect(exit._tag).toBe("Failure")
        const handle = yield* Sandbox.get("example-doomed")
        expect(handle.status).toBe("stopped")
      }))
  })
})
