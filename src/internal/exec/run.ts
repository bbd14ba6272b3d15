/**
 * Streamed and collected commands.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { ExecEvent, ExecOptions } from "../../Exec.js"
import * as Errors from "../errorModel.js"
import type { ExecError } from "../errorModel.js"
import { ExecFailure, ExecResult } from "../execModel.js"
import type { SandboxCore } from "../sandboxCore.js"
import { liveSleep } from "../status.js"
import { open, type Target } from "./session.js"
import { eventsWithStdin } from "./stdin.js"

/** A streamed command. */
export const stream = <E>(
  core: SandboxCore,
  operation: string,
  target: Target,
  options: ExecOptions<E>
): Stream.Stream<ExecEvent, ExecError | E> =>
  Stream.unwrapScoped(
    Effect.map(open(core, operation, target, options, options.stdin !== undefined), (s) =>
      eventsWithStdin(s, options, true))
  )

const concat = (chunks: ReadonlyArray<Uint8Array>): Uint8Array => Buffer.concat(chunks)

/** Drains events into a result; a `Failed` event is `ExecFailed`. */
export const collectEvents = <E>(
  core: SandboxCore,
  operation: string,
  target: Target,
  events: Stream.Stream<ExecEvent, E>
): Effect.Effect<ExecResult, E | Errors.ExecFailed | Errors.Internal> =>
  Effect.gen(function*() {
    const acc = {
      out: [] as Array<Uint8Array>,
      err: [] as Array<Uint8Array>,
      code: Option.none<number>(),
      failure: Option.none<ExecFailure>()
    }
    yield* Stream.runForEachChunk(events, (chunk) =>
      Effect.sync(() => {
        for (const e of chunk) {
          switch (e._tag) {
            case "Stdout":
              acc.out.push(e.data)
              break
            case "Stderr":
              acc.err.push(e.data)
              break
            case "Exited":
              acc.code = Option.some(e.code)
              break
            case "Failed":
              acc.failure = Option.some(e.failure)
              break
          }
        }
      }))
    const command = target.command ?? "<default command>"
    if (Option.isSome(acc.failure)) {
      const f = acc.failure.value
      return yield* new Errors.ExecFailed({
        message: `exec failed: ${f.message}`,
        operation,
        sandbox: core.name,
        reason: f.kind,
        ...(Option.isSome(f.errno) ? { errno: f.errno.value } : {})
      })
    }
    if (Option.isNone(acc.code)) {
      return yield* new Errors.Internal({
        message: "exec session ended without exit event",
        operation,
        sandbox: core.name
      })
    }
    return new ExecResult({
      command,
      args: target.args,
      exitCode: acc.code.value,
      stdoutBytes: concat(acc.out),
      stderrBytes: concat(acc.err)
    })
  })

/**
 * A collected command, with its timeout (the command is killed and the call fails
 * `ExecTimeout`). The runtime's streaming exec ignores `timeout_secs` (runtime-abi.md
 * §5.6.1), so the timeout is kept here, on the live clock: a TestClock given to the
 * caller's fiber does not hold it back.
 */
export const collect = <E>(
  core: SandboxCore,
  operation: string,
  target: Target,
  options: ExecOptions<E>
): Effect.Effect<ExecResult, ExecError | E> => {
  const run = collectEvents(core, operation, target, stream(core, operation, target, options))
  if (options.timeout === undefined) return run
  const timeout = Duration.decode(options.timeout)
  const expired = liveSleep(timeout).pipe(
    Effect.zipRight(
      Effect.fail(
        new Errors.ExecTimeout({
          message: `exec timed out after ${Duration.format(timeout)}`,
          operation,
          sandbox: core.name
        })
      )
    )
  )
  // The first to finish wins; the other is interrupted (a command still running is
  // killed as its session is released).
  return Effect.raceFirst(run, expired)
}
