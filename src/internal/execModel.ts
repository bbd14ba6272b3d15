/**
 * The models of running a command (re-exported by the public Exec module): the start
 * failure, the event and exit-status constructors, the collected result, and the fold
 * of events into an exit status.
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Stream from "effect/Stream"
import type { ExecEvent as Event, ExitStatus as Status } from "../Exec.js"
import type { SandboxLost } from "./errorModel.js"

/**
 * Why a command could not start (the runtime's `failed` event).
 */
export class ExecFailure extends Data.Class<{
  /** `not_found`, `permission_denied`, `not_executable`, `bad_cwd`, `bad_args`, `resource_limit`, `user_setup_failed`, `out_of_memory`, `pty_setup_failed` or `other`. */
  readonly kind: string
  readonly errno: Option.Option<number>
  readonly errnoName: Option.Option<string>
  readonly message: string
  readonly stage: Option.Option<string>
}> {}

/** Constructors and matchers of `ExecEvent`. */
export const ExecEvent = Data.taggedEnum<Event>()

/** Constructors and matchers of `ExitStatus`. */
export const ExitStatus = Data.taggedEnum<Status>()

/** The status of an `Exited` event's code (`-1` is a signal death). */
const exitStatusOfCode = (code: number, signal: Option.Option<number>): Status =>
  code === -1 ? ExitStatus.Signaled({ signal }) : ExitStatus.Exited({ code })

const noExit = ExitStatus.Lost({ status: "unknown", message: "the events ended without an exit" })

/**
 * Folds events (draining and discarding the output) into how the command ended; a
 * `SandboxLost` failure of the events becomes `Lost`. `signal` supplies the last signal
 * sent, when known.
 */
export const foldExitStatus = <E, R>(
  events: Stream.Stream<Event, E, R>,
  signal: () => Option.Option<number>
): Effect.Effect<Status, Exclude<E, SandboxLost>, R> =>
  Stream.runFold(events, noExit, (status, e): Status => {
    switch (e._tag) {
      case "Exited":
        return exitStatusOfCode(e.code, signal())
      case "Failed":
        return ExitStatus.NotStarted({ failure: e.failure })
      default:
        return status
    }
  }).pipe(
    Effect.catchIf(
      (e): e is Extract<E, SandboxLost> => Predicate.isTagged(e, "SandboxLost"),
      (lost) => Effect.succeed(ExitStatus.Lost({ status: lost.status, message: lost.message }))
    )
  ) as Effect.Effect<Status, Exclude<E, SandboxLost>, R>

const decoder = new TextDecoder()

/**
 * The outcome of a collected command. A non-zero exit is a value, not an error; see
 * `orFail`.
 */
export class ExecResult extends Data.Class<{
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly exitCode: number
  readonly stdoutBytes: Uint8Array
  readonly stderrBytes: Uint8Array
}> {
  /** Standard output as UTF-8 text. */
  get stdout(): string {
    return decoder.decode(this.stdoutBytes)
  }
  /** Standard error as UTF-8 text. */
  get stderr(): string {
    return decoder.decode(this.stderrBytes)
  }
  /** Exit code 0. */
  get success(): boolean {
    return this.exitCode === 0
  }
  /** How it ended: `Exited` with its code, or `Signaled` (the runtime's `-1`). */
  get status(): Status {
    return exitStatusOfCode(this.exitCode, Option.none())
  }
}
