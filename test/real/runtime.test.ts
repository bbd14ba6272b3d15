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
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Doctor from "../../src/Doctor.js"
import { findLibrary } from "../../src/internal/install/install.js"
import * as Microsandbox from "../../src/Microsandbox.js"

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

const Created = Schema.Struct({ handle: Schema.Number })
const Collected = Schema.Struct({ stdout: Schema.String, stderr: Schema.String, exit_code: Schema.Number })

/** Creates a sandbox, runs `command` through `sh -c`, stops and removes it; returns the output. */
const flow = (name: string, source: Record<string, unknown>, command: string) =>
  Effect.gen(function*() {
    const m = yield* Microsandbox.Microsandbox
    const created = yield* m.native.callDecode(
      "msb_sandbox_create",
      [name, JSON.stringify({ ...source, replace: true })],
      Created,
      { operation: "real.create", sandbox: name }
    )
    return yield* m.native.callDecode(
      "msb_sandbox_exec",
      [created.handle, "sh", JSON.stringify({ args: ["-c", command] })],
      Collected,
      { sandbox: name }
    ).pipe(
      Effect.ensuring(
        m.native.call("msb_sandbox_stop", [created.handle, 10_000], { sandbox: name }).pipe(
          Effect.zipRight(m.native.call("msb_sandbox_close", [created.handle], { sandbox: name })),
          Effect.zipRight(m.native.call("msb_sandbox_remove", [name], { sandbox: name })),
          Effect.ignore
        )
      )
    )
  })

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
        `boots ${image}, runs a command, reads its output, stops and removes it`,
        () =>
          Effect.gen(function*() {
            const out = yield* flow(
              `effect-msb-real-${process.pid}`,
              { image },
              "echo hello from $(uname -s)"
            )
            expect(out.exit_code).toBe(0)
            expect(out.stdout.trim()).toBe("hello from Linux")
          }),
        300_000
      )

      it.effect.skipIf(rootfs === undefined)(
        `boots a local rootfs folder${
          rootfs === undefined ? " (skipped: MICROSANDBOX_TEST_ROOTFS not set)" : ""
        }`,
        () =>
          Effect.gen(function*() {
            const out = yield* flow(`effect-msb-rootfs-${process.pid}`, { image: rootfs }, "exit 3")
            expect(out.exit_code).toBe(3)
          }),
        300_000
      )
    })
  }
)
