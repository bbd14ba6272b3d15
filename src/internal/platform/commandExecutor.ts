/**
 * `@effect/platform`'s `CommandExecutor` over a sandbox's exec sessions (`sandbox.spawn`):
 * one session per command, its events demultiplexed into the `Process`'s stdout and
 * stderr streams and its exit code.
 *
 * @internal
 */
import * as Command from "@effect/platform/Command"
import * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as PlatformError from "@effect/platform/Error"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import { pipe } from "effect/Function"
import * as Inspectable from "effect/Inspectable"
import * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import type { ExecFailure, ExecOptions, ExecProcess } from "../../Exec.js"
import type { MicrosandboxError } from "../errorModel.js"

/** What the executor needs of a sandbox. */
export interface Spawner {
  readonly spawn: (
    command: string,
    args?: ReadonlyArray<string>,
    options?: ExecOptions<never> & { readonly stdinPipe?: boolean }
  ) => Effect.Effect<ExecProcess, MicrosandboxError, Scope.Scope>
}

/** Linux signal numbers (the guest is Linux; the same on x86_64 and aarch64). */
export const SIGNALS: Partial<Record<CommandExecutor.Signal, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGIOT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPOLL: 29,
  SIGPWR: 30,
  SIGSYS: 31,
  SIGUNUSED: 31
}

const describe = (command: Command.Command): string =>
  Command.flatten(command).map((c) => [c.command, ...c.args].join(" ")).join(" | ")

const badArgument = (method: string, description: string, cause?: unknown) =>
  new PlatformError.BadArgument({
    module: "Command",
    method,
    description,
    ...(cause === undefined ? {} : { cause })
  })

const systemError = (
  method: string,
  command: Command.Command,
  reason: PlatformError.SystemErrorReason,
  description: string,
  cause?: unknown
) =>
  new PlatformError.SystemError({
    module: "Command",
    method,
    reason,
    pathOrDescriptor: describe(command),
    description,
    ...(cause === undefined ? {} : { cause })
  })

const fromSandboxError = (method: string, command: Command.Command) => (e: MicrosandboxError) =>
  e._tag === "InvalidArgument"
    ? badArgument(method, e.message, e)
    : systemError(method, command, "Unknown", e.message, e)

const FAILURE_REASONS: Record<string, PlatformError.SystemErrorReason> = {
  not_found: "NotFound",
  bad_cwd: "NotFound",
  permission_denied: "PermissionDenied",
  not_executable: "PermissionDenied"
}

const fromFailure = (command: Command.Command, failure: ExecFailure) =>
  systemError(
    "spawn",
    command,
    FAILURE_REASONS[failure.kind] ?? "Unknown",
    `${failure.kind}: ${failure.message}`,
    failure
  )

const ProcessProto = {
  [CommandExecutor.ProcessTypeId]: CommandExecutor.ProcessTypeId,
  ...Inspectable.BaseProto,
  toJSON(this: CommandExecutor.Process) {
    return { _id: "@effect/platform/CommandExecutor/Process", pid: this.pid }
  }
}

/** Where one output goes: the Process's stream, or this process's own stdout/stderr. */
const outputTarget = (output: Command.Command.Output, host: "stdout" | "stderr") =>
  output === "inherit"
    ? (bytes: Uint8Array) => Effect.sync(() => void process[host].write(bytes))
    : undefined

const standard = (
  sandbox: Spawner,
  command: Command.StandardCommand
): Effect.Effect<CommandExecutor.Process, PlatformError.PlatformError, Scope.Scope> =>
  Effect.gen(function*() {
    if (!command.extendEnv) {
      return yield* badArgument(
        "spawn",
        "extendEnv: false is not supported in a sandbox (a command always starts from the guest's environment)"
      )
    }
    if (Option.isSome(command.gid)) {
      return yield* badArgument(
        "spawn",
        "a gid is not supported in a sandbox (set a uid: it runs as that user)"
      )
    }
    const [program, args] = command.shell === false
      ? [command.command, command.args]
      : [command.shell === true ? "/bin/sh" : command.shell, [
        "-c",
        [command.command, ...command.args].join(" ")
      ]]
    const env = Object.fromEntries(command.env)
    const exec = yield* sandbox.spawn(program, args, {
      cwd: Option.getOrUndefined(command.cwd),
      env,
      user: Option.getOrUndefined(Option.map(command.uid, String)),
      stdinPipe: command.stdin !== "inherit"
    }).pipe(Effect.mapError(fromSandboxError("spawn", command)))

    const started = yield* Deferred.make<number, PlatformError.PlatformError>()
    const exited = yield* Deferred.make<number, PlatformError.PlatformError>()
    const stdoutBox = yield* Mailbox.make<Uint8Array, PlatformError.PlatformError>()
    const stderrBox = yield* Mailbox.make<Uint8Array, PlatformError.PlatformError>()
    const toStdout = outputTarget(command.stdout, "stdout") ?? ((b: Uint8Array) => stdoutBox.offer(b))
    const toStderr = outputTarget(command.stderr, "stderr") ?? ((b: Uint8Array) => stderrBox.offer(b))

    // The pump: every event of the session, as it arrives. The outputs are buffered until
    // read (as the runtime buffers events until received), so an unread stderr never
    // blocks stdout nor the exit code.
    const failAll = (error: PlatformError.PlatformError) =>
      Effect.all([
        Deferred.fail(started, error),
        Deferred.fail(exited, error),
        stdoutBox.fail(error),
        stderrBox.fail(error)
      ], { discard: true })
    yield* exec.events.pipe(
      Stream.mapError(fromSandboxError("exitCode", command)),
      Stream.runForEach((event) => {
        switch (event._tag) {
          case "Started":
            return Deferred.succeed(started, event.pid)
          case "Stdout":
            return toStdout(event.data)
          case "Stderr":
            return toStderr(event.data)
          case "Exited":
            return Deferred.succeed(exited, event.code)
          case "Failed":
            return failAll(fromFailure(command, event.failure))
          case "StdinError":
            return Effect.void
        }
      }),
      Effect.zipRight(
        Effect.suspend(() =>
          Deferred.isDone(exited).pipe(Effect.flatMap((done) =>
            done
              ? Effect.all([stdoutBox.end, stderrBox.end], { discard: true })
              : failAll(
                systemError("exitCode", command, "Unknown", "the exec session ended without an exit event")
              )
          ))
        )
      ),
      Effect.catchAll(failAll),
      Effect.forkScoped
    )

    const pid = yield* Deferred.await(started)
    const exitCode: CommandExecutor.Process["exitCode"] = Effect.flatMap(
      Deferred.await(exited),
      (code) =>
        code >= 0
          ? Effect.succeed(CommandExecutor.ExitCode(code))
          : Effect.fail(
            systemError("exitCode", command, "Unknown", "Process interrupted due to receipt of a signal")
          )
    )
    const kill: CommandExecutor.Process["kill"] = (signal = "SIGTERM") =>
      Effect.gen(function*() {
        const number = SIGNALS[signal]
        if (number === undefined) return yield* badArgument("kill", `${signal} is not a Linux signal`)
        if (yield* Deferred.isDone(exited)) return
        yield* exec.signal(number).pipe(Effect.mapError(fromSandboxError("kill", command)))
        yield* Effect.exit(Deferred.await(exited))
      })

    let stdout: Stream.Stream<Uint8Array, PlatformError.PlatformError> = Mailbox.toStream(stdoutBox)
    if (typeof command.stdout !== "string") stdout = Stream.transduce(stdout, command.stdout)
    let stderr: Stream.Stream<Uint8Array, PlatformError.PlatformError> = Mailbox.toStream(stderrBox)
    if (typeof command.stderr !== "string") stderr = Stream.transduce(stderr, command.stderr)
    const stdin: Sink.Sink<void, Uint8Array, never, PlatformError.PlatformError> = command.stdin === "inherit"
      ? Sink.drain
      : Sink.mapError(exec.stdin, fromSandboxError("stdin", command))

    const proc: CommandExecutor.Process = Object.assign(Object.create(ProcessProto), {
      pid: CommandExecutor.ProcessId(pid),
      exitCode,
      isRunning: Effect.map(Deferred.isDone(exited), (done) => !done),
      kill,
      stdin,
      stdout,
      stderr
    })
    if (typeof command.stdin !== "string") {
      yield* Effect.forkScoped(Stream.run(command.stdin, stdin))
    }
    return proc
  })

/** Runs one command; a pipeline's stages are chained stdout → stdin, as the platform does. */
export const run = (sandbox: Spawner) =>
(
  command: Command.Command
): Effect.Effect<CommandExecutor.Process, PlatformError.PlatformError, Scope.Scope> => {
  if (command._tag === "StandardCommand") return standard(sandbox, command)
  const [head, ...tail] = Command.flatten(command)
  if (tail.length === 0) return standard(sandbox, head)
  const stdoutOf = (c: Command.Command) => Stream.unwrapScoped(Effect.map(run(sandbox)(c), (p) => p.stdout))
  const last = tail[tail.length - 1]!
  const input = tail.slice(0, -1).reduce(
    (stdin, c) => stdoutOf(Command.stdin(c, stdin)),
    stdoutOf(head)
  )
  return pipe(Command.stdin(last, input), run(sandbox))
}

/** The executor. */
export const make = (sandbox: Spawner): CommandExecutor.CommandExecutor =>
  CommandExecutor.makeExecutor(run(sandbox))
