/**
 * A failed create or start: its system log read back and the error refined
 * (`BootFailed`, `SandboxAlreadyExists`).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { classifyBootFailure } from "../bootFailure.js"
import { onFirstUse } from "../compiled.js"
import type { MicrosandboxError } from "../errorModel.js"
import * as Errors from "../errorModel.js"
import type { NativeLibrary } from "../ffi/native.js"
import { field } from "../wireCodec.js"
import { SystemLogJson } from "./wire.js"

/** The options document of `msb_sandbox_handle_logs` as the boot diagnosis sends it. */
const LogOptionsJson = Schema.parseJson(Schema.Struct({
  sources: Schema.Array(Schema.Literal("system")),
  sinceMs: field("since_ms", Schema.Number)
}))
const encodeLogOptions = onFirstUse(() => Schema.encodeSync(LogOptionsJson))

/** The sandbox's system log lines since a time, by name (empty when they cannot be read). */
const systemLog = (
  native: NativeLibrary,
  name: string,
  sinceMs: number
): Effect.Effect<ReadonlyArray<string>> =>
  native.callDecode(
    "msb_sandbox_handle_logs",
    [name, encodeLogOptions({ sources: ["system"], sinceMs })],
    SystemLogJson,
    {
      operation: "Sandbox.make",
      sandbox: name
    }
  ).pipe(
    Effect.map((entries) =>
      entries.flatMap((e) => Buffer.from(e.data).toString("utf8").split("\n")).filter((l) => l.length > 0)
    ),
    Effect.orElseSucceed(() => [])
  )

/**
 * A boot that failed for host reasons comes back as `internal`; with the sandbox's
 * system log it becomes `BootFailed` (carrying the log lines).
 */
export const bootFailure = <A>(
  native: NativeLibrary,
  name: string,
  boot: Effect.Effect<A, MicrosandboxError>
): Effect.Effect<A, MicrosandboxError> =>
  Effect.suspend(() => {
    // Only what this boot logged: a one-second margin for clock granularity.
    const since = Date.now() - 1000
    return Effect.catchAll(boot, (e): Effect.Effect<never, MicrosandboxError> =>
      e._tag !== "Internal"
        ? Effect.fail(e)
        : Effect.flatMap(
          systemLog(native, name, since),
          (lines) => Effect.fail(classifyBootFailure(e, lines) ?? e)
        ))
  })

// A name clash comes back from the runtime as `internal` (docs/runtime-abi.md §8, item 1).
export const refineCreateError = (name: string) => (e: MicrosandboxError): MicrosandboxError =>
  e._tag === "Internal" && e.message.startsWith("sandbox already exists")
    ? new Errors.SandboxAlreadyExists({ message: e.message, operation: e.operation, sandbox: name })
    : e
