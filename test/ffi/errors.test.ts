import { describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { Microsandbox } from "../../src/Microsandbox.js"
import * as MicrosandboxError from "../../src/MicrosandboxError.js"
import * as Double from "../support/double.js"

const lookup = (name: string, path?: string) =>
  Effect.flatMap(
    Microsandbox,
    (m) => m.native.call("msb_sandbox_lookup", [name], { operation: "Test.lookup", sandbox: name, path })
  )

describe("runtime error kinds", () => {
  layer(Double.layer(), { excludeTestServices: true })((it) => {
    const kinds = Object.keys(MicrosandboxError.runtimeKinds) as Array<MicrosandboxError.RuntimeKind>

    it.effect("every kind decodes to its own class, with message and operation", () =>
      Effect.gen(function*() {
        for (const kind of kinds) {
          yield* Double.fault({ fn: "msb_sandbox_lookup", kind, message: `boom ${kind}`, count: 1 })
          const error = yield* Effect.flip(lookup("some-box", "/some/path"))
          const Class = MicrosandboxError.runtimeKinds[kind]
          expect(error).toBeInstanceOf(Class)
          expect(error._tag).toBe(Class._tag)
          expect(error.message).toBe(`boom ${kind}`)
          expect(error.operation).toBe("Test.lookup")
          expect(error.sandbox).toBe("some-box")
          expect(MicrosandboxError.isMicrosandboxError(error)).toBe(true)
          if (error._tag === "PathNotFound" || error._tag === "Filesystem") {
            expect(error.path).toBe("/some/path")
          }
        }
        // 26 runtime kinds besides `cancelled`, plus the 7 the seed documents.
        expect(kinds.length).toBe(33)
        expect(new Set(kinds.map((k) => MicrosandboxError.runtimeKinds[k]._tag)).size).toBe(33)
      }))

    it.effect("a kind this version does not know becomes Unknown and keeps the raw kind", () =>
      Effect.gen(function*() {
        yield* Double.fault({
          fn: "msb_sandbox_lookup",
          kind: "quantum_flux",
          message: "new in 9.0",
          count: 1
        })
        const error = yield* Effect.flip(lookup("x"))
        expect(error._tag).toBe("Unknown")
        if (error._tag === "Unknown") {
          expect(error.kind).toBe("quantum_flux")
          // The message names the library version and path that produced it.
          expect(error.message).toBe(`new in 9.0 (runtime 0.6.14 at ${Double.libraryPath})`)
        }
      }))

    it.effect("path_not_found carries the operation's path; without one it is Filesystem, never an empty path", () =>
      Effect.gen(function*() {
        yield* Double.fault({ fn: "msb_sandbox_lookup", kind: "path_not_found", message: "gone", count: 1 })
        const named = yield* Effect.flip(lookup("x", "/etc/gone"))
        expect(named._tag).toBe("PathNotFound")
        if (named._tag === "PathNotFound") expect(named.path).toBe("/etc/gone")
        yield* Double.fault({ fn: "msb_sandbox_lookup", kind: "path_not_found", message: "gone", count: 1 })
        const unnamed = yield* Effect.flip(lookup("x"))
        expect(unnamed._tag).toBe("Filesystem")
        if (unnamed._tag === "Filesystem") expect(unnamed.path).toBeUndefined()
      }))

    it.effect("a cancelled answer that no interruption asked for is a typed Internal error, catchable", () =>
      Effect.gen(function*() {
        yield* Double.fault({ fn: "msb_sandbox_lookup", kind: "cancelled", message: "cancelled", count: 1 })
        const exit = yield* Effect.exit(lookup("x"))
        expect(Exit.isInterrupted(exit)).toBe(false)
        const error = yield* Effect.flip(
          Effect.zipRight(
            Double.fault({ fn: "msb_sandbox_lookup", kind: "cancelled", message: "cancelled", count: 1 }),
            lookup("x")
          )
        )
        expect(error._tag).toBe("Internal")
        expect(error.operation).toBe("Test.lookup")
        expect(error.message).toContain("cancelled")
        expect(error.message).toContain("nothing interrupted")
        // Nothing leaked: the error string was freed, the cancel id unregistered.
        expect(Double.counters().strings.outstanding).toBe(0)
        expect(Double.counters().cancel_ids.registered).toBe(0)
      }))

    it.effect("interrupting a call is still interruption (the runtime's cancelled answer is not an error)", () =>
      Effect.gen(function*() {
        yield* Double.fault({ fn: "msb_sandbox_lookup", block: true, count: 1 })
        const before = Double.counters().calls.msb_sandbox_lookup ?? 0
        const fiber = yield* Effect.fork(lookup("x"))
        // Wait until the call is in the runtime, blocked.
        expect(yield* Double.eventually(() => (Double.counters().in_flight.msb_sandbox_lookup ?? 0) > 0))
          .toBe(true)
        const exit = yield* Fiber.interrupt(fiber)
        expect(Exit.isInterrupted(exit)).toBe(true)
        expect(Double.counters().calls.msb_sandbox_lookup).toBe(before + 1)
        expect(Double.counters().cancel_ids.registered).toBe(0)
      }))

    it.effect("the real runtime's errors arrive typed (sandbox_not_found from the double itself)", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(lookup("does-not-exist"))
        expect(error._tag).toBe("SandboxNotFound")
        expect(error.message).toBe("sandbox not found: does-not-exist")
      }))

    it.effect("catchTags can handle each tag", () =>
      Effect.gen(function*() {
        yield* Double.fault({ fn: "msb_sandbox_lookup", kind: "sandbox_still_running", count: 1 })
        const handled = yield* lookup("x").pipe(
          Effect.as("found"),
          Effect.catchTags({
            SandboxStillRunning: (e) => Effect.succeed(`running: ${e.operation}`),
            SandboxNotFound: () => Effect.succeed("missing")
          }),
          Effect.orElseSucceed(() => "other")
        )
        expect(handled).toBe("running: Test.lookup")
      }))
  })
})
