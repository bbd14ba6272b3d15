/**
 * A spawned command: its events, stdin, signals and exit.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Sink from "effect/Sink"
import type { ExecOptions, ExecProcess } from "../../Exec.js"
import type { ExecError } from "../errorModel.js"
import { narrow } from "../errors.js"
import { foldExitStatus } from "../execModel.js"
import type { SandboxCore } from "../sandboxCore.js"
import { collectEvents } from "./run.js"
import { open, type Target } from "./session.js"
import { closeStdin, eventsWithStdin, writeStdin } from "./stdin.js"

const IdJson = Schema.Struct({ id: Schema.String })

export const spawn = (
  core: SandboxCore,
  operation: string,
  target: Target,
  options: ExecOptions<never> & { readonly stdinPipe?: boolean }
): Effect.Effect<ExecProcess, ExecError, Scope.Scope> =>
  Effect.map(
    open(core, operation, target, options, options.stdinPipe ?? options.stdin !== undefined),
    (s) => {
      const native = core.native
      const ctx = { operation, sandbox: core.name }
      const ev = eventsWithStdin(s, options)
      return {
        events: ev,
        write: (data) => writeStdin(s, data),
        stdin: Sink.forEach((chunk: Uint8Array) => writeStdin(s, chunk)).pipe(
          Sink.foldSink({ onFailure: Sink.fail, onSuccess: () => Sink.fromEffect(closeStdin(s)) })
        ),
        closeStdin: closeStdin(s),
        signal: (signal) =>
          native.call("msb_exec_signal", [s.handle, signal], ctx).pipe(
            Effect.tap(Effect.sync(() => (s.lastSignal = Option.some(signal)))),
            Effect.asVoid,
            narrow.exec.effect
          ),
        kill: native.call("msb_exec_kill", [s.handle], ctx).pipe(
          Effect.tap(Effect.sync(() => (s.lastSignal = Option.some(9)))),
          Effect.asVoid,
          narrow.exec.effect
        ),
        resize: (rows, cols) =>
          native.call("msb_exec_resize", [s.handle, rows, cols], ctx).pipe(Effect.asVoid, narrow.exec.effect),
        id: native.callDecode("msb_exec_id", [s.handle], IdJson, ctx).pipe(
          Effect.map((r) => r.id),
          narrow.exec.effect
        ),
        wait: foldExitStatus(ev, () => s.lastSignal),
        collect: collectEvents(core, operation, target, ev)
      }
    }
  )
