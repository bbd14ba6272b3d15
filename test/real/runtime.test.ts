// The real runtime: the seed's flows (create a sandbox from an image, run a command,
// read its output, stop, remove) against the real libmicrosandbox_go_ffi and msb.
//
// Runs only where the real library is installed and the doctor passes; everywhere else
// the suite is skipped and the doctor's reasons are printed (and are in the suite name).
// It uses the user's own MSB_HOME / MICROSANDBOX_FFI_PATH, not the test's private ones.
//
//   MICROSANDBOX_TEST_IMAGE   the image of the flows (default: python)
//   MICROSANDBOX_TEST_ROOTFS  also boot from this local rootfs folder
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, layer } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Exec from "../../src/Exec.js"
import { findLibrary } from "../../src/internal/install/install.js"
import * as Microsandbox from "../../src/Microsandbox.js"
import * as Doctor from "../../src/node/Doctor.js"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"

const realEnv = new Map<string, string>(
  Object.entries({
    MSB_HOME: process.env.MSB_TEST_REAL_MSB_HOME ?? "",
    MICROSANDBOX_FFI_PATH: process.env.MSB_TEST_REAL_FFI_PATH ?? "",
    PATH: process.env.PATH ?? "",
    MSB_PATH: process.env.MSB_PATH ?? ""
  }).filter(([, v]) => v.length > 0)
)
const withRealEnv = Effect.withConfigProvider(ConfigProvider.fromMap(realEnv))

// Decided at collection time, so the skip and its reason show in the output.
const report = await Effect.runPromise(Doctor.doctor().pipe(withRealEnv, Effect.provide(NodeContext.layer)))
const reason = report.failures.map((f) => `${f.check}: ${f.message}`).join("; ")
if (!report.ok) {
  console.log(
    `real-runtime suite SKIPPED — the doctor says this host cannot boot sandboxes:\n${Doctor.format(report)}`
  )
}

const image = process.env.MICROSANDBOX_TEST_IMAGE ?? "python"
const rootfs = process.env.MICROSANDBOX_TEST_ROOTFS
const found = await Effect.runPromise(
  findLibrary(undefined).pipe(withRealEnv, Effect.provide(NodeContext.layer))
)
const libraryPath = Option.getOrUndefined(Option.map(found, (f) => f.path))

/** The seed's typical flow with the library's API: create, run, read the output; released by the scope. */
const flow = (name: string, ...options: ReadonlyArray<SandboxConfig.Option>) =>
  Effect.scoped(Effect.gen(function*() {
    const sandbox = yield* Sandbox.make(name, ...options, SandboxConfig.replace(), SandboxConfig.ephemeral())
    const hello = yield* sandbox.shell("echo hello from $(uname -s)")
    const failing = yield* sandbox.exec("sh", ["-c", "exit 3"])
    yield* sandbox.fs.write("/tmp/effect-msb.txt", "written through the agent")
    const readBack = yield* sandbox.fs.readString("/tmp/effect-msb.txt")
    const lines = yield* sandbox.execStream("sh", ["-c", "echo one; echo two"]).pipe(
      Exec.stdoutLines,
      Stream.runCollect
    )
    const metrics = yield* sandbox.metrics
    return { hello, failing, readBack, lines: Chunk.toReadonlyArray(lines), metrics }
  }))

describe.skipIf(!report.ok)(
  `real runtime${report.ok ? "" : ` (skipped by the doctor: ${reason})`}`,
  () => {
    layer(Microsandbox.layer({ libraryPath }), { timeout: 120_000 })((it) => {
      it.effect("the real library reports the pinned version and a local backend", () =>
        Effect.gen(function*() {
          expect(yield* Microsandbox.runtimeVersion).toBe(Microsandbox.sdkVersion)
          expect((yield* Microsandbox.backendInfo).kind).toBe("local")
        }))

      it.effect(
        `boots ${image}: exec, filesystem, streams, metrics; stopped and removed by its scope`,
        () =>
          Effect.gen(function*() {
            const name = `effect-msb-real-${process.pid}`
            const out = yield* flow(name, SandboxConfig.image(image))
            expect(out.hello.exitCode).toBe(0)
            expect(out.hello.stdout.trim()).toBe("hello from Linux")
            expect(out.failing.exitCode).toBe(3)
            expect(out.readBack).toBe("written through the agent")
            expect(out.lines).toEqual(["one", "two"])
            expect(out.metrics.memoryLimitBytes).toBeGreaterThan(0)
            // Ephemeral: the runtime removed it once the scope stopped it.
            expect((yield* Effect.flip(Sandbox.get(name)))._tag).toBe("SandboxNotFound")
          }),
        300_000
      )

      it.effect(
        "a detached sandbox outlives its scope, is found by name, connected to, and stopped",
        () =>
          Effect.gen(function*() {
            const name = `effect-msb-detached-${process.pid}`
            yield* Effect.scoped(
              Sandbox.make(
                name,
                SandboxConfig.image(image),
                SandboxConfig.detached(),
                SandboxConfig.replace()
              )
            )
            const handle = yield* Sandbox.get(name)
            expect(handle.status).toBe("running")
            const pong = yield* Effect.scoped(Effect.flatMap(handle.connect, (sb) => sb.ping))
            expect(pong.name).toBe(name)
            yield* handle.stop()
            expect((yield* handle.refresh).status).toBe("stopped")
            yield* handle.remove
          }),
        300_000
      )

      it.effect.skipIf(rootfs === undefined)(
        `boots a local rootfs folder${
          rootfs === undefined ? " (skipped: MICROSANDBOX_TEST_ROOTFS not set)" : ""
        }`,
        () =>
          Effect.gen(function*() {
            const out = yield* flow(`effect-msb-rootfs-${process.pid}`, SandboxConfig.image(rootfs!))
            expect(out.failing.exitCode).toBe(3)
          }),
        300_000
      )
    })
  }
)
