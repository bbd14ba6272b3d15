/**
 * Attaching this process's terminal to a command in the sandbox.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { AttachOptions } from "../../Exec.js"
import { onFirstUse } from "../compiled.js"
import * as Errors from "../errorModel.js"
import type { ExecError } from "../errorModel.js"
import { narrow } from "../errors.js"
import { type SandboxCore, withHandle } from "../sandboxCore.js"
import * as W from "../wireCodec.js"
import { checkCwd, isDefault, type Target } from "./session.js"

/** The options document of an attach (members checked before). */
const AttachOptionsJson = Schema.parseJson(Schema.Struct({
  args: W.optional(Schema.Array(Schema.Unknown), W.nonEmptyArray),
  cwd: W.optional(Schema.Unknown),
  user: W.optional(Schema.Unknown),
  env: W.optional(Schema.Unknown),
  detachKeys: W.optionalKey("detach_keys", Schema.Unknown)
}))
const encodeAttachOptions = onFirstUse(() => Schema.encodeSync(AttachOptionsJson))

const AttachJson = Schema.Struct({
  exitCode: Schema.propertySignature(Schema.Number).pipe(Schema.fromKey("exit_code"))
})

/** Bridges this process's terminal to a command in the sandbox; returns its exit code. */
export const attach = (
  core: SandboxCore,
  operation: string,
  target: Target | "shell",
  options: AttachOptions
): Effect.Effect<number, ExecError> =>
  Effect.gen(function*() {
    if (!process.stdin.isTTY || !process.stdout.isTTY) {
      return yield* new Errors.NotATerminal({
        message: `${operation} needs an interactive terminal: stdin ${
          process.stdin.isTTY ? "is" : "is not"
        } a TTY, stdout ${process.stdout.isTTY ? "is" : "is not"} a TTY`,
        operation,
        sandbox: core.name
      })
    }
    yield* checkCwd(core, operation, options.cwd)
    const json = encodeAttachOptions({
      args: target !== "shell" ? target.args : undefined,
      cwd: options.cwd,
      user: options.user,
      env: options.env,
      detachKeys: options.detachKeys
    })
    const result = yield* withHandle(core, operation, (h) =>
      target === "shell"
        ? core.native.callDecode("msb_sandbox_attach_shell", [h], AttachJson, {
          operation,
          sandbox: core.name
        })
        : isDefault(target)
        ? core.native.callDecode("msb_sandbox_attach_default", [h, json], AttachJson, {
          operation,
          sandbox: core.name
        })
        : core.native.callDecode("msb_sandbox_attach", [h, target.command, json], AttachJson, {
          operation,
          sandbox: core.name
        }))
    return result.exitCode
  }).pipe(narrow.exec.effect, Effect.withSpan(operation, { attributes: { "msb.sandbox": core.name } }))
