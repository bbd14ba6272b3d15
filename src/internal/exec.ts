/**
 * Exec sessions over the runtime's streaming exec: every command (collected or
 * streamed) runs as a session whose handle is owned by a Scope; output is read from
 * events, one native receive per pull.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import {
  type AttachOptions,
  type ExecEvent,
  ExecEvent as Event,
  ExecFailure,
  type ExecOptions,
  type ExecProcess,
  ExecResult,
  type Rlimits
} from "../Exec.js"
import * as Errors from "../MicrosandboxError.js"
import type { MicrosandboxError } from "../MicrosandboxError.js"
import { stdinProblem } from "./inputs.js"
import { type SandboxCore, withHandle } from "./sandboxCore.js"
import { invalidArgument } from "./validate.js"

/** A running command: its handle and what has been observed of it. */
export interface Session {
  readonly core: SandboxCore
  readonly handle: bigint
  readonly label: string
  readonly killOnInterrupt: boolean
  /** A terminal event (or the end of the queue) was received. */
  finished: boolean
  /** The Started event's pid, once seen. */
  pid: Option.Option<number>
  /** Receives in flight on this handle (the runtime serializes them on a blocking mutex). */
  receiving: number
}

export type Target =
  | { readonly command: string; readonly args: ReadonlyArray<string> }
  | { readonly command?: undefined; readonly args: ReadonlyArray<string> }

/** The image's default command (entrypoint + cmd), with extra args appended. */
const isDefault = (t: Target): t is { readonly command?: undefined; readonly args: ReadonlyArray<string> } =>
  t.command === undefined

const ExecHandleJson = Schema.Struct({ exec_handle: Schema.Number })
const IdJson = Schema.Struct({ id: Schema.String })

const RLIMIT_FLAGS: Record<keyof Rlimits, string> = {
  nofile: "n",
  nproc: "u",
  core: "c",
  cpu: "t",
  fsize: "f",
  data: "d",
  stack: "s",
  as: "v",
  memlock: "l",
  rss: "m"
}

const invalid = (operation: string, core: SandboxCore, message: string) =>
  new Errors.InvalidArgument({ message, operation, sandbox: core.name })

/**
 * The runtime's exec options (§5.6.1) have no rlimit member in 0.6.14; limits are set
 * by the guest's /bin/sh (`ulimit`) before it execs the command.
 */
const withRlimits = (
  core: SandboxCore,
  operation: string,
  target: Target,
  rlimits: Rlimits | undefined
): Effect.Effect<Target, Errors.InvalidArgument> => {
  if (!rlimits || Object.keys(rlimits).length === 0) return Effect.succeed(target)
  if (isDefault(target)) {
    return Effect.fail(invalid(operation, core, "rlimits are not supported with the default command"))
  }
  const steps: Array<string> = []
  for (const [name, value] of Object.entries(rlimits)) {
    const flag = RLIMIT_FLAGS[name as keyof Rlimits]
    if (!flag) return Effect.fail(invalid(operation, core, `unknown rlimit ${name}`))
    const [soft, hard] = typeof value === "number" ? [value, undefined] : value!
    for (const v of [soft, hard]) {
      if (v !== undefined && !(Number.isInteger(v) && v >= 0)) {
        return Effect.fail(invalid(operation, core, `rlimit ${name} must be a non-negative integer`))
      }
    }
    if (hard !== undefined && soft! > hard) {
      return Effect.fail(invalid(operation, core, `rlimit ${name}: the soft limit exceeds the hard limit`))
    }
    // Lowering the hard limit below the current soft one needs the soft one lowered first;
    // raising needs the hard one raised first: try soft, set hard, set soft.
    if (hard !== undefined) {
      steps.push(`{ ulimit -S -${flag} ${soft} 2>/dev/null || :; }`, `ulimit -H -${flag} ${hard}`)
    }
    steps.push(`ulimit -S -${flag} ${soft}`)
  }
  return Effect.succeed({
    command: "/bin/sh",
    args: ["-c", `${steps.join(" && ")} && exec "$0" "$@"`, target.command, ...target.args]
  })
}

const optionsJson = (target: Target, options: ExecOptions<unknown>, stdinPipe: boolean): string => {
  const doc: Record<string, unknown> = {}
  if (target.args.length > 0) doc.args = target.args
  if (options.cwd !== undefined) doc.cwd = options.cwd
  if (options.user !== undefined) doc.user = options.user
  if (options.env && Object.keys(options.env).length > 0) doc.env = options.env
  if (options.tty) doc.tty = true
  if (stdinPipe) doc.stdin_pipe = true
  return JSON.stringify(doc)
}

const checkCwd = (core: SandboxCore, operation: string, cwd: string | undefined) =>
  cwd !== undefined && !cwd.startsWith("/")
    ? Effect.fail(invalid(operation, core, `cwd must be an absolute guest path: ${JSON.stringify(cwd)}`))
    : Effect.void

/** Opens a session owned by the current Scope; releasing it kills a still-running command (unless opted out) and closes the handle. */
export const open = (
  core: SandboxCore,
  operation: string,
  target: Target,
  options: ExecOptions<unknown>,
  stdinPipe: boolean
): Effect.Effect<Session, MicrosandboxError, Scope.Scope> =>
  Effect.gen(function*() {
    yield* checkCwd(core, operation, options.cwd)
    const resolved = yield* withRlimits(core, operation, target, options.rlimits)
    const label = resolved.command ?? "<default command>"
    const native = core.native
    const ctx = { operation, sandbox: core.name }
    const start = withHandle(core, operation, (h) =>
      native.callDecode(
        isDefault(resolved) ? "msb_sandbox_exec_default_stream" : "msb_sandbox_exec_stream",
        isDefault(resolved) ? [h, optionsJson(resolved, options, stdinPipe)] : [
          h,
          resolved.command,
          optionsJson(resolved, options, stdinPipe)
        ],
        ExecHandleJson,
        {
          ...ctx,
          onOrphan: (json) => {
            const handle = BigInt(JSON.parse(json).exec_handle)
            return native.call("msb_exec_kill", [handle], ctx).pipe(
              Effect.ignore,
              Effect.zipRight(native.call("msb_exec_close", [handle], ctx))
            )
          }
        }
      ))
    return yield* Effect.acquireRelease(
      Effect.interruptible(start).pipe(
        Effect.map((r): Session => ({
          core,
          handle: BigInt(r.exec_handle),
          label,
          killOnInterrupt: options.killOnInterrupt ?? true,
          finished: false,
          pid: Option.none(),
          receiving: 0
        }))
      ),
      (session) => close(session)
    )
  }).pipe(Effect.withSpan(operation, { attributes: { "msb.sandbox": core.name } }))

const close = (s: Session): Effect.Effect<void> => {
  const native = s.core.native
  const ctx = { operation: "Exec.release", sandbox: s.core.name }
  const kill = s.finished || !s.killOnInterrupt
    ? Effect.void
    : native.call("msb_exec_kill", [s.handle], ctx).pipe(Effect.ignore)
  return kill.pipe(
    Effect.zipRight(native.call("msb_exec_close", [s.handle], ctx)),
    Effect.catchAllCause((cause) => Effect.logWarning(`closing exec session of ${s.label} failed`, cause))
  )
}

const decodeBase64 = (s: string): Uint8Array => Buffer.from(s, "base64")
const opt = <A>(v: A | null | undefined) => Option.fromNullable(v)

/** One event document of `msb_exec_recv` (runtime-abi.md §5.6.3). */
interface EventDocument {
  readonly event: string
  readonly pid: number
  readonly data: string
  readonly code?: number | null
  readonly error?: {
    readonly kind?: string
    readonly errno?: number | null
    readonly errno_name?: string | null
    readonly message?: string
    readonly stage?: string | null
  }
}

/** Parses one event document; `done` when the queue is closed. */
export const parseEvent = (json: string): ExecEvent | "done" => {
  const j = JSON.parse(json) as EventDocument
  switch (j.event) {
    case "started":
      return Event.Started({ pid: j.pid })
    case "stdout":
      return Event.Stdout({ data: decodeBase64(j.data) })
    case "stderr":
      return Event.Stderr({ data: decodeBase64(j.data) })
    case "stdin_error":
      return Event.StdinError({
        errno: opt(j.error?.errno),
        errnoName: opt(j.error?.errno_name),
        message: String(j.error?.message ?? "")
      })
    case "exited":
      return Event.Exited({ code: typeof j.code === "number" ? j.code : -1 })
    case "failed":
      return Event.Failed({
        failure: new ExecFailure({
          kind: String(j.error?.kind ?? "other"),
          errno: opt(j.error?.errno),
          errnoName: opt(j.error?.errno_name),
          message: String(j.error?.message ?? ""),
          stage: opt(j.error?.stage)
        })
      })
    default:
      return "done"
  }
}

/** The next event (one native receive), or None at the end. */
const recv = (s: Session): Effect.Effect<Option.Option<ExecEvent>, MicrosandboxError> =>
  Effect.suspend(() => {
    if (s.finished) return Effect.succeedNone
    // Take a queued event on this thread only when no other receive holds the handle's
    // mutex (a second receive would block this thread until the first returns).
    const tryQueuedFirst = s.receiving === 0
    s.receiving++
    return s.core.native.call("msb_exec_recv", [s.handle], {
      operation: "Exec.recv",
      sandbox: s.core.name,
      tryQueuedFirst
    })
      .pipe(
        Effect.ensuring(Effect.sync(() => s.receiving--)),
        Effect.map((json) => {
          const event = parseEvent(json)
          if (event === "done" || event._tag === "Exited" || event._tag === "Failed") s.finished = true
          if (event !== "done" && event._tag === "Started") s.pid = Option.some(event.pid)
          return event === "done" ? Option.none() : Option.some(event)
        })
      )
  })

/** The session's events, pulled one native receive at a time. */
export const events = (s: Session): Stream.Stream<ExecEvent, MicrosandboxError> =>
  Stream.repeatEffectOption(
    recv(s).pipe(
      Effect.mapError(Option.some),
      Effect.flatMap((o) => (Option.isSome(o) ? Effect.succeed(o.value) : Effect.fail(Option.none())))
    )
  )

const STDIN_PIECE = 256 * 1024

export const writeStdin = (s: Session, data: Uint8Array | string): Effect.Effect<void, MicrosandboxError> => {
  const refused = stdinProblem(data)
  if (refused !== undefined) {
    return Effect.fail(invalidArgument({ operation: "Exec.stdin", sandbox: s.core.name }, "data", refused))
  }
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data
  // A zero-length write would close the guest's stdin (runtime-abi.md §5.6.4): skip it.
  if (bytes.length === 0) return Effect.void
  const pieces: Array<Uint8Array> = []
  for (let i = 0; i < bytes.length; i += STDIN_PIECE) pieces.push(bytes.subarray(i, i + STDIN_PIECE))
  return Effect.forEach(
    pieces,
    (piece) =>
      s.core.native.call("msb_exec_stdin_write", [s.handle, Buffer.from(piece).toString("base64")], {
        operation: "Exec.stdin",
        sandbox: s.core.name
      }),
    { discard: true }
  )
}

export const closeStdin = (s: Session): Effect.Effect<void, MicrosandboxError> =>
  s.core.native.call("msb_exec_stdin_close", [s.handle], { operation: "Exec.stdin", sandbox: s.core.name })
    .pipe(
      Effect.asVoid
    )

const stdinFeed = <E>(
  s: Session,
  stdin: NonNullable<ExecOptions<E>["stdin"]>
): Effect.Effect<void, MicrosandboxError | E> =>
  (typeof stdin === "string" || stdin instanceof Uint8Array
    ? writeStdin(s, stdin)
    : Stream.runForEach(stdin, (chunk) => writeStdin(s, chunk))).pipe(Effect.zipRight(closeStdin(s)))

/** Events of a session, with its stdin fed in the background while they flow. */
export const eventsWithStdin = <E>(
  s: Session,
  options: ExecOptions<E>
): Stream.Stream<ExecEvent, MicrosandboxError | E> =>
  options.stdin === undefined
    ? events(s)
    : events(s).pipe(Stream.drainFork(Stream.fromEffect(stdinFeed(s, options.stdin))))

/** A streamed command. */
export const stream = <E>(
  core: SandboxCore,
  operation: string,
  target: Target,
  options: ExecOptions<E>
): Stream.Stream<ExecEvent, MicrosandboxError | E> =>
  Stream.unwrapScoped(
    Effect.map(open(core, operation, target, options, options.stdin !== undefined), (s) =>
      eventsWithStdin(s, options))
  )

const concat = (chunks: Chunk.Chunk<Uint8Array>): Uint8Array => Buffer.concat(Chunk.toReadonlyArray(chunks))

/** Drains events into a result; a `Failed` event is `ExecFailed`. */
export const collectEvents = <E>(
  core: SandboxCore,
  operation: string,
  target: Target,
  events: Stream.Stream<ExecEvent, E>
): Effect.Effect<ExecResult, E | Errors.ExecFailed | Errors.Internal> =>
  Effect.gen(function*() {
    const acc = yield* Stream.runFold(
      events,
      {
        out: Chunk.empty<Uint8Array>(),
        err: Chunk.empty<Uint8Array>(),
        code: Option.none<number>(),
        failure: Option.none<ExecFailure>()
      },
      (a, e) => {
        switch (e._tag) {
          case "Stdout":
            return { ...a, out: Chunk.append(a.out, e.data) }
          case "Stderr":
            return { ...a, err: Chunk.append(a.err, e.data) }
          case "Exited":
            return { ...a, code: Option.some(e.code) }
          case "Failed":
            return { ...a, failure: Option.some(e.failure) }
          default:
            return a
        }
      }
    )
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

/** A collected command, with its timeout (the command is killed and the call fails `ExecTimeout`). */
export const collect = <E>(
  core: SandboxCore,
  operation: string,
  target: Target,
  options: ExecOptions<E>
): Effect.Effect<ExecResult, MicrosandboxError | E> => {
  const run = collectEvents(core, operation, target, stream(core, operation, target, options))
  if (options.timeout === undefined) return run
  const timeout = Duration.decode(options.timeout)
  return Effect.timeoutFail(run, {
    duration: timeout,
    onTimeout: () =>
      new Errors.ExecTimeout({
        message: `exec timed out after ${Duration.format(timeout)}`,
        operation,
        sandbox: core.name
      })
  })
}

export const spawn = (
  core: SandboxCore,
  operation: string,
  target: Target,
  options: ExecOptions<never> & { readonly stdinPipe?: boolean }
): Effect.Effect<ExecProcess, MicrosandboxError, Scope.Scope> =>
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
        signal: (signal) => native.call("msb_exec_signal", [s.handle, signal], ctx).pipe(Effect.asVoid),
        kill: native.call("msb_exec_kill", [s.handle], ctx).pipe(Effect.asVoid),
        resize: (rows, cols) =>
          native.call("msb_exec_resize", [s.handle, rows, cols], ctx).pipe(Effect.asVoid),
        id: native.callDecode("msb_exec_id", [s.handle], IdJson, ctx).pipe(Effect.map((r) => r.id)),
        wait: Stream.runFold(ev, -1, (code, e) => (e._tag === "Exited" ? e.code : code)),
        collect: collectEvents(core, operation, target, ev)
      }
    }
  )

const AttachJson = Schema.Struct({ exit_code: Schema.Number })

/** Bridges this process's terminal to a command in the sandbox; returns its exit code. */
export const attach = (
  core: SandboxCore,
  operation: string,
  target: Target | "shell",
  options: AttachOptions
): Effect.Effect<number, MicrosandboxError> =>
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
    const doc: Record<string, unknown> = {}
    if (target !== "shell" && target.args.length > 0) doc.args = target.args
    if (options.cwd !== undefined) doc.cwd = options.cwd
    if (options.user !== undefined) doc.user = options.user
    if (options.env) doc.env = options.env
    if (options.detachKeys !== undefined) doc.detach_keys = options.detachKeys
    const json = JSON.stringify(doc)
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
    return result.exit_code
  }).pipe(Effect.withSpan(operation, { attributes: { "msb.sandbox": core.name } }))
