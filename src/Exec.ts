/**
 * Running commands in a sandbox: options, results, the event stream of a running
 * command and helpers over it. The operations themselves are methods of a `Sandbox`
 * (`exec`, `execStream`, `shell`, `spawn`, `attach`…).
 *
 * @example
 * ```ts
 * import { Console, Effect, Stream } from "effect"
 * import { Exec, Sandbox, SandboxConfig } from "effect-microsandbox"
 *
 * const program = Effect.gen(function*() {
 *   const sandbox = yield* Sandbox.make("exec-demo", SandboxConfig.image("python:3.12"))
 *   const out = yield* sandbox.exec("python3", ["-c", "print(1 + 1)"])
 *   yield* Console.log(out.stdout, out.exitCode) // "2\n" 0
 *
 *   yield* sandbox.execStream("make", ["test"]).pipe(Exec.stdoutLines, Stream.runForEach(Console.log))
 * })
 * ```
 *
 * @since 0.1.0
 */
import type * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import type * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import * as model from "./internal/execModel.js"
import type { ExecError, SandboxLost } from "./MicrosandboxError.js"
import { NonZeroExit } from "./MicrosandboxError.js"

/**
 * Why a command could not start (the runtime's `failed` event).
 *
 * @since 0.1.0
 * @category models
 */
export const ExecFailure: typeof model.ExecFailure = model.ExecFailure
/**
 * @since 0.1.0
 * @category models
 */
export type ExecFailure = model.ExecFailure

/**
 * One event of a running command, in order: `Started`, then any interleaving of
 * `Stdout`/`Stderr`/`StdinError`, then one of `Exited` (code; -1 after a signal) or
 * `Failed` (it never started). When the sandbox stops, crashes or is removed before
 * either, the stream fails with `SandboxLost` after the events that did arrive.
 *
 * @since 0.1.0
 * @category models
 */
export type ExecEvent = Data.TaggedEnum<{
  Started: { readonly pid: number }
  Stdout: { readonly data: Uint8Array }
  Stderr: { readonly data: Uint8Array }
  StdinError: {
    readonly errno: Option.Option<number>
    readonly errnoName: Option.Option<string>
    readonly message: string
  }
  Exited: { readonly code: number }
  Failed: { readonly failure: ExecFailure }
}>

/**
 * Constructors and matchers of `ExecEvent`.
 *
 * @since 0.1.0
 * @category models
 */
export const ExecEvent: typeof model.ExecEvent = model.ExecEvent

/**
 * How a command ended:
 *
 * - `Exited`: it exited with `code`;
 * - `Signaled`: a signal ended it (the runtime reports only that: `-1`). `signal` is the
 *   last signal this process sent it (`ExecProcess.signal`/`kill`), when it sent one;
 * - `NotStarted`: it never ran (the runtime's `Failed` event);
 * - `Lost`: the sandbox stopped, crashed or was removed before the command exited (or
 *   the events ended without an exit); `status` is the sandbox's status seen then.
 *
 * @example
 * ```ts
 * import { Effect, Option } from "effect"
 * import { Exec, type Sandbox } from "effect-microsandbox"
 *
 * const describe = (sandbox: Sandbox.Sandbox) =>
 *   Effect.gen(function*() {
 *     const proc = yield* sandbox.spawn("sleep", ["10"])
 *     const status = yield* proc.wait
 *     return Exec.ExitStatus.$match(status, {
 *       Exited: ({ code }) => `exit ${code}`,
 *       Signaled: ({ signal }) => `signal ${Option.getOrElse(signal, () => "?")}`,
 *       NotStarted: ({ failure }) => `not started: ${failure.kind}`,
 *       Lost: ({ status }) => `sandbox ${status}`
 *     })
 *   })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type ExitStatus = Data.TaggedEnum<{
  Exited: { readonly code: number }
  Signaled: { readonly signal: Option.Option<number> }
  NotStarted: { readonly failure: ExecFailure }
  Lost: { readonly status: string; readonly message: string }
}>

/**
 * Constructors and matchers of `ExitStatus`.
 *
 * @since 0.1.0
 * @category models
 */
export const ExitStatus: typeof model.ExitStatus = model.ExitStatus

/**
 * Folds events (draining and discarding the output) into how the command ended; a
 * `SandboxLost` failure of the events becomes `Lost`. `signal` supplies the last signal
 * sent, when known.
 *
 * @internal
 *
 * @since 0.1.0
 * @category models
 */
export const foldExitStatus: typeof model.foldExitStatus = model.foldExitStatus

/**
 * POSIX resource limits of a command (`RLIMIT_*`), soft or `[soft, hard]`.
 *
 * @since 0.1.0
 * @category models
 */
export type Rlimits = Readonly<
  Partial<
    Record<
      "nofile" | "nproc" | "core" | "cpu" | "fsize" | "data" | "stack" | "as" | "memlock" | "rss",
      number | readonly [soft: number, hard: number]
    >
  >
>

/**
 * Options of one command.
 *
 * @since 0.1.0
 * @category models
 */
export interface ExecOptions<E = never> {
  /** Working directory (an absolute guest path; default the sandbox's workdir). */
  readonly cwd?: string | undefined
  /** Extra environment for this command. */
  readonly env?: Readonly<Record<string, string>> | undefined
  /** User name or uid (default the sandbox's user). */
  readonly user?: string | undefined
  /** Run under a pseudo-terminal (24×80; output arrives as stdout). */
  readonly tty?: boolean | undefined
  /** Resource limits, applied by the guest's `/bin/sh` before the command. */
  readonly rlimits?: Rlimits | undefined
  /**
   * Collected runs (`exec`, `shell`): fail with `ExecTimeout` (the command is killed)
   * when it runs longer. Measured on the live clock, so `TestClock` does not hold it
   * back (docs/exec.md).
   */
  readonly timeout?: Duration.DurationInput | undefined
  /** Data for the command's stdin, then EOF (default: no stdin). */
  readonly stdin?: string | Uint8Array | Stream.Stream<Uint8Array, E> | undefined
  /** Kill the command when the stream or fiber using it is interrupted (default true). */
  readonly killOnInterrupt?: boolean | undefined
}

/**
 * The outcome of a collected command. A non-zero exit is a value, not an error; see
 * `orFail`.
 *
 * @since 0.1.0
 * @category models
 */
export const ExecResult: typeof model.ExecResult = model.ExecResult
/**
 * @since 0.1.0
 * @category models
 */
export type ExecResult = model.ExecResult

/**
 * Whether a command succeeded.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isSuccess = (result: ExecResult): boolean => result.success

/**
 * Turns a non-zero exit into a `NonZeroExit` error (carrying the exit code and stderr).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Exec, type Sandbox } from "effect-microsandbox"
 *
 * // Fails with `NonZeroExit` when `make` exits with a non-zero code.
 * const build = (sandbox: Sandbox.Sandbox) => sandbox.exec("make").pipe(Exec.orFail, Effect.asVoid)
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const orFail = <E, R>(
  self: Effect.Effect<ExecResult, E, R>
): Effect.Effect<ExecResult, E | NonZeroExit, R> =>
  Effect.flatMap(self, (result) =>
    result.success
      ? Effect.succeed(result)
      : Effect.fail(
        new NonZeroExit({
          message: `${[result.command, ...result.args].join(" ")} exited with code ${result.exitCode}`,
          operation: "Exec.orFail",
          command: result.command,
          exitCode: result.exitCode,
          stderr: result.stderr
        })
      ))

const bytesOf = (tag: "Stdout" | "Stderr") => <E, R>(events: Stream.Stream<ExecEvent, E, R>) =>
  Stream.filterMap(
    events,
    (e): Option.Option<Uint8Array> => (e._tag === tag ? Option.some(e.data) : Option.none())
  )

/**
 * Just the stdout bytes of an event stream.
 *
 * @since 0.1.0
 * @category streams
 */
export const stdout: <E, R>(events: Stream.Stream<ExecEvent, E, R>) => Stream.Stream<Uint8Array, E, R> =
  bytesOf("Stdout")
/**
 * Just the stderr bytes of an event stream.
 *
 * @since 0.1.0
 * @category streams
 */
export const stderr: <E, R>(events: Stream.Stream<ExecEvent, E, R>) => Stream.Stream<Uint8Array, E, R> =
  bytesOf("Stderr")

/**
 * Stdout as lines (UTF-8, without line endings).
 *
 * @since 0.1.0
 * @category streams
 */
export const stdoutLines = <E, R>(events: Stream.Stream<ExecEvent, E, R>): Stream.Stream<string, E, R> =>
  stdout(events).pipe(Stream.decodeText(), Stream.splitLines)
/**
 * Stderr as lines.
 *
 * @since 0.1.0
 * @category streams
 */
export const stderrLines = <E, R>(events: Stream.Stream<ExecEvent, E, R>): Stream.Stream<string, E, R> =>
  stderr(events).pipe(Stream.decodeText(), Stream.splitLines)

/**
 * How the command of an event stream ended (draining and discarding the output): an
 * exit code, a signal, a command that never started, or a lost sandbox (the stream's
 * `SandboxLost` failure becomes `Lost`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Exec, type Sandbox } from "effect-microsandbox"
 *
 * const passed = (sandbox: Sandbox.Sandbox) =>
 *   Effect.gen(function*() {
 *     const status = yield* Exec.exitCode(sandbox.shellStream("make test"))
 *     return status._tag === "Exited" && status.code === 0
 *   })
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const exitCode = <E, R>(
  events: Stream.Stream<ExecEvent, E, R>
): Effect.Effect<ExitStatus, Exclude<E, SandboxLost>, R> => model.foldExitStatus(events, Option.none)

/**
 * Lines of one source, pipeable.
 *
 * @since 0.1.0
 * @category streams
 */
export const lines: {
  (source: "stdout" | "stderr"): <E, R>(events: Stream.Stream<ExecEvent, E, R>) => Stream.Stream<string, E, R>
  <E, R>(events: Stream.Stream<ExecEvent, E, R>, source: "stdout" | "stderr"): Stream.Stream<string, E, R>
} = dual(
  2,
  <E, R>(events: Stream.Stream<ExecEvent, E, R>, source: "stdout" | "stderr") =>
    source === "stdout" ? stdoutLines(events) : stderrLines(events)
)

/**
 * A command that is controlled while it runs (stdin, signals, resize); from
 * `sandbox.spawn`, owned by a Scope.
 *
 * @since 0.1.0
 * @category models
 */
export interface ExecProcess {
  /** The command's events; consume them once. */
  readonly events: Stream.Stream<ExecEvent, ExecError>
  /** Writes to the command's stdin (spawned with `stdinPipe: true`). */
  readonly write: (data: Uint8Array | string) => Effect.Effect<void, ExecError>
  /** A sink over stdin: every chunk is written, then EOF. */
  readonly stdin: Sink.Sink<void, Uint8Array, never, ExecError>
  /** Sends EOF. */
  readonly closeStdin: Effect.Effect<void, ExecError>
  /** Sends a Unix signal (15 = SIGTERM…). */
  readonly signal: (signal: number) => Effect.Effect<void, ExecError>
  /** SIGKILL. */
  readonly kill: Effect.Effect<void, ExecError>
  /** Resizes the pseudo-terminal of a `tty` command. */
  readonly resize: (rows: number, cols: number) => Effect.Effect<void, ExecError>
  /** The protocol correlation id of the session. */
  readonly id: Effect.Effect<string, ExecError>
  /** Drains the remaining events (output discarded) and tells how the command ended. */
  readonly wait: Effect.Effect<ExitStatus, Exclude<ExecError, SandboxLost>>
  /** Drains the remaining events into a result. */
  readonly collect: Effect.Effect<ExecResult, ExecError>
}

/**
 * Options of `sandbox.attach`.
 *
 * @since 0.1.0
 * @category models
 */
export interface AttachOptions {
  readonly cwd?: string | undefined
  readonly env?: Readonly<Record<string, string>> | undefined
  readonly user?: string | undefined
  /** Docker-style detach sequence (default the runtime's `ctrl-]`). */
  readonly detachKeys?: string | undefined
}
