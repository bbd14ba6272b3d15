/**
 * Exec sessions over the runtime's streaming exec: every command (collected or
 * streamed) runs as a session whose handle is owned by a Scope; output is read from
 * events, each decoded through a Schema (stdout/stderr in the runtimes' exact form by a
 * checked fast path). A pull receives one event, then takes what is already queued.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import type { AttachOptions, ExecEvent, ExecOptions, ExecProcess, Rlimits } from "../Exec.js"
import * as Errors from "../MicrosandboxError.js"
import type { ExecError, MicrosandboxError } from "../MicrosandboxError.js"
import { narrow } from "./errors.js"
import { ExecEvent as Event, ExecFailure, ExecResult, foldExitStatus } from "./execModel.js"
import { decodeDocument } from "./ffi/native.js"
import { stdinProblem } from "./inputs.js"
import * as LogsImpl from "./logs.js"
import * as NativeStream from "./nativeStream.js"
import { type SandboxCore, withHandle } from "./sandboxCore.js"
import { isLive, liveSleep, statusOf } from "./status.js"
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
  /** The public operation that started it (carried by its errors). */
  readonly operation: string
  /** The last signal sent through this library (`signal`, `kill`). */
  lastSignal: Option.Option<number>
  /** Events received ahead of the consumer (a shared session's queued events), in order. */
  buffered: Array<ExecEvent>
  /** What the next receive yields instead (an end or failure met while draining a batch). */
  deferred: Effect.Effect<Option.Option<ExecEvent>, MicrosandboxError> | undefined
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
): Effect.Effect<Session, ExecError, Scope.Scope> =>
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
          onOrphan: (r) => {
            const handle = BigInt(r.exec_handle)
            return native.call("msb_exec_kill", [handle], ctx).pipe(
              Effect.ignore,
              Effect.zipRight(native.call("msb_exec_close", [handle], ctx))
            )
          }
        }
      ))
    return yield* NativeStream.acquire(
      start,
      (r): Session => ({
        core,
        handle: BigInt(r.exec_handle),
        label,
        killOnInterrupt: options.killOnInterrupt ?? true,
        finished: false,
        pid: Option.none(),
        receiving: 0,
        operation,
        lastSignal: Option.none(),
        buffered: [],
        deferred: undefined
      }),
      (session) => close(session)
    )
  }).pipe(narrow.exec.effect, Effect.withSpan(operation, { attributes: { "msb.sandbox": core.name } }))

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

const Errno = {
  errno: Schema.optional(Schema.NullOr(Schema.Int)),
  errno_name: Schema.optional(Schema.NullOr(Schema.String)),
  message: Schema.String
}

/** The event documents of `msb_exec_recv` (docs/runtime-abi.md §5.6.3). */
const EventJson = Schema.Union(
  Schema.Struct({ event: Schema.Literal("stdout", "stderr"), data: Schema.String }),
  Schema.Struct({ event: Schema.Literal("started"), pid: Schema.Int }),
  Schema.Struct({ event: Schema.Literal("exited"), code: Schema.Int }),
  Schema.Struct({ event: Schema.Literal("stdin_error"), error: Schema.Struct(Errno) }),
  Schema.Struct({
    event: Schema.Literal("failed"),
    // If the runtime could not serialise the failure it sends `{"message"}` only.
    error: Schema.Struct({
      ...Errno,
      kind: Schema.optional(Schema.String),
      stage: Schema.optional(Schema.NullOr(Schema.String))
    })
  }),
  Schema.Struct({ event: Schema.Literal("done") })
)

const STDOUT_PREFIX = `{"event":"stdout","data":"`
const STDERR_PREFIX = `{"event":"stderr","data":"`
const PREFIX_LENGTH = STDOUT_PREFIX.length
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/**
 * The output events in the exact form both runtimes write them
 * (`{"event":"stdout","data":"<base64>"}`), checked and decoded without building a JSON
 * object; anything else (another order, spacing, escapes) takes the Schema path.
 */
const outputEvent = (json: string): ExecEvent | undefined => {
  if (json.length < PREFIX_LENGTH + 2 || !json.endsWith(`"}`)) return undefined
  const tag = json.startsWith(STDOUT_PREFIX)
    ? "Stdout"
    : json.startsWith(STDERR_PREFIX)
    ? "Stderr"
    : undefined
  if (tag === undefined) return undefined
  const data = json.slice(PREFIX_LENGTH, -2)
  if (!BASE64.test(data)) return undefined
  return tag === "Stdout"
    ? Event.Stdout({ data: decodeBase64(data) })
    : Event.Stderr({ data: decodeBase64(data) })
}

/** Decodes one event document; `done` when the queue is closed. */
export const parseEvent = (
  json: string,
  ctx: { readonly operation: string; readonly sandbox?: string | undefined }
): Either.Either<ExecEvent | "done", Errors.MalformedResponse> => {
  const output = outputEvent(json)
  return output !== undefined ? Either.right(output) : parseDocument(json, ctx)
}

const parseDocument = (
  json: string,
  ctx: { readonly operation: string; readonly sandbox?: string | undefined }
): Either.Either<ExecEvent | "done", Errors.MalformedResponse> =>
  Either.map(decodeDocument(EventJson, "msb_exec_recv", json, ctx), (j): ExecEvent | "done" => {
    switch (j.event) {
      case "started":
        return Event.Started({ pid: j.pid })
      case "stdout":
        return Event.Stdout({ data: decodeBase64(j.data) })
      case "stderr":
        return Event.Stderr({ data: decodeBase64(j.data) })
      case "stdin_error":
        return Event.StdinError({
          errno: opt(j.error.errno),
          errnoName: opt(j.error.errno_name),
          message: j.error.message
        })
      case "exited":
        return Event.Exited({ code: j.code })
      case "failed":
        return Event.Failed({
          failure: new ExecFailure({
            kind: j.error.kind ?? "other",
            errno: opt(j.error.errno),
            errnoName: opt(j.error.errno_name),
            message: j.error.message,
            stage: opt(j.error.stage)
          })
        })
      case "done":
        return "done"
    }
  })

/**
 * The queue closed without an exit: the agent connection dropped (docs/runtime-abi.md §5.6.3),
 * which happens when the sandbox stops, crashes or is removed under the command. The
 * status is read until it is terminal (the connection can close a moment before the
 * runtime records the death), for at most a second of live time.
 */
const lost = (s: Session): Effect.Effect<never, Errors.SandboxLost> =>
  Effect.gen(function*() {
    const native = s.core.native
    let status = yield* statusOf(native, s.core.name, "Exec.recv")
    for (let i = 0; i < 10 && (status === "unknown" || isLive(status)); i++) {
      yield* liveSleep("100 millis")
      status = yield* statusOf(native, s.core.name, "Exec.recv")
    }
    const system = status === "removed" ? [] : yield* LogsImpl.read(
      native,
      { kind: "name", name: s.core.name },
      { sources: ["system"], tail: 3 },
      "Exec.recv"
    ).pipe(
      Effect.map((entries) => entries.map((e) => e.text.trim()).filter((t) => t.length > 0)),
      Effect.orElseSucceed((): ReadonlyArray<string> => [])
    )
    return yield* new Errors.SandboxLost({
      message:
        `${s.label}: the sandbox's agent connection closed before the command exited (sandbox ${status})` +
        (system.length > 0 ? `; runtime: ${system.join(" | ")}` : ""),
      operation: s.operation,
      sandbox: s.core.name,
      status
    })
  })

/** Applies one decoded document to the session: the event, `None` at the end, or a failure. */
const settle = (
  s: Session,
  decoded: Either.Either<ExecEvent | "done", Errors.MalformedResponse>
): Effect.Effect<Option.Option<ExecEvent>, MicrosandboxError> => {
  // A malformed document fails the stream; the command (still running) is killed as
  // the session is released.
  if (Either.isLeft(decoded)) return Effect.fail(decoded.left)
  const event = decoded.right
  if (event === "done") {
    s.finished = true
    return lost(s)
  }
  if (event._tag === "Exited" || event._tag === "Failed") s.finished = true
  else if (event._tag === "Started") s.pid = Option.some(event.pid)
  return Effect.succeed(Option.some(event))
}

/** The next event (one native receive), or None at the end. */
const recv = (s: Session): Effect.Effect<Option.Option<ExecEvent>, MicrosandboxError> =>
  Effect.suspend(() => {
    if (s.deferred !== undefined) {
      const deferred = s.deferred
      s.deferred = undefined
      return deferred
    }
    if (s.finished) return Effect.succeedNone
    const ctx = { operation: s.operation, sandbox: s.core.name }
    // Take a queued event on this thread only when no other receive holds the handle's
    // mutex (a second receive would block this thread until the first returns).
    if (s.receiving === 0) {
      const queued = takeQueued(s)
      if (queued !== undefined) return settle(s, parseEvent(queued, ctx))
    }
    s.receiving++
    return s.core.native.call("msb_exec_recv", [s.handle], ctx)
      .pipe(
        Effect.ensuring(Effect.sync(() => s.receiving--)),
        Effect.flatMap((json) => settle(s, parseEvent(json, ctx)))
      )
  })

/** Events per pull at most when a pull also takes what is already queued. */
const BATCH = 64
/** Extra attempts after an empty answer while taking queued events (docs/runtime-abi.md §2.3: the runtime's select is unbiased). */
const RACE_RETRIES = 3

const takeQueuedOutcome = NativeStream.queued("msb_exec_recv", RACE_RETRIES)

/**
 * A queued event document taken on this thread without waiting: a receive with a
 * pre-triggered cancel id, which the runtime answers with a queued event or `cancelled`
 * (losing nothing, docs/runtime-abi.md §2.3). The real runtime's select is unbiased, so a
 * `cancelled` may hide a queued event: retried `RACE_RETRIES` times. Undefined when
 * nothing came (or an error, which the ordinary receive then reports).
 */
const takeQueued = (s: Session): string | undefined => {
  const outcome = takeQueuedOutcome(s.core.native, s.handle)
  return outcome !== null && outcome.t === "ok" ? outcome.json : undefined
}

/**
 * After a receive, the events already queued, taken on this thread without waiting
 * (`takeQueued`). Stops when nothing more comes, at the end of the session, or at
 * `BATCH`; an end or a failure met here is kept for the next pull, after
 * the events before it.
 */
const drainQueued = (s: Session, into: Array<ExecEvent>): void => {
  const ctx = { operation: s.operation, sandbox: s.core.name }
  while (into.length < BATCH && !s.finished && s.receiving === 0 && s.deferred === undefined) {
    const queued = takeQueued(s)
    if (queued === undefined) return
    const decoded = parseEvent(queued, ctx)
    if (Either.isRight(decoded) && decoded.right !== "done") {
      const event = decoded.right
      if (event._tag === "Exited" || event._tag === "Failed") s.finished = true
      else if (event._tag === "Started") s.pid = Option.some(event.pid)
      into.push(event)
    } else {
      s.deferred = settle(s, decoded)
    }
  }
}

/**
 * The session's events. `batched`: a pull takes every event already queued (up to 64)
 * as one chunk — for a session owned by this one stream, where events a consumer drops
 * (`Stream.take`) go with the session. Otherwise (a shared session such as `spawn`'s)
 * a pull emits one event: the queued events taken with it wait in the session's own
 * buffer for the next pull (of this stream or another over the same session), so
 * nothing received is lost between consumers.
 */
export const events = (s: Session, batched = false): Stream.Stream<ExecEvent, ExecError> =>
  (batched
    ? Stream.repeatEffectChunkOption(
      Effect.suspend(() => {
        if (s.buffered.length > 0) {
          const all = s.buffered
          s.buffered = []
          return Effect.succeed(Chunk.unsafeFromArray(all))
        }
        return recv(s).pipe(
          Effect.mapError(Option.some),
          Effect.flatMap((o) => {
            if (Option.isNone(o)) return Effect.fail(Option.none())
            const batch = [o.value]
            drainQueued(s, batch)
            return Effect.succeed(Chunk.unsafeFromArray(batch))
          })
        )
      })
    )
    : Stream.repeatEffectOption(
      Effect.suspend(() => {
        if (s.buffered.length > 0) return Effect.succeed(s.buffered.shift()!)
        return recv(s).pipe(
          Effect.mapError(Option.some),
          Effect.flatMap((o) => {
            if (Option.isNone(o)) return Effect.fail(Option.none())
            drainQueued(s, s.buffered)
            return Effect.succeed(o.value)
          })
        )
      })
    )).pipe(narrow.exec.stream)

const STDIN_PIECE = 256 * 1024

export const writeStdin = (s: Session, data: Uint8Array | string): Effect.Effect<void, ExecError> => {
  const refused = stdinProblem(data)
  if (refused !== undefined) {
    return Effect.fail(invalidArgument({ operation: "Exec.stdin", sandbox: s.core.name }, "data", refused))
  }
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data
  // A zero-length write would close the guest's stdin (docs/runtime-abi.md §5.6.4): skip it.
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
  ).pipe(narrow.exec.effect)
}

export const closeStdin = (s: Session): Effect.Effect<void, ExecError> =>
  s.core.native.call("msb_exec_stdin_close", [s.handle], { operation: "Exec.stdin", sandbox: s.core.name })
    .pipe(
      Effect.asVoid,
      narrow.exec.effect
    )

const stdinFeed = <E>(
  s: Session,
  stdin: NonNullable<ExecOptions<E>["stdin"]>
): Effect.Effect<void, ExecError | E> =>
  (typeof stdin === "string" || stdin instanceof Uint8Array
    ? writeStdin(s, stdin)
    : Stream.runForEach(stdin, (chunk) => writeStdin(s, chunk))).pipe(Effect.zipRight(closeStdin(s)))

/** Events of a session, with its stdin fed in the background while they flow. */
export const eventsWithStdin = <E>(
  s: Session,
  options: ExecOptions<E>,
  batched = false
): Stream.Stream<ExecEvent, ExecError | E> =>
  options.stdin === undefined
    ? events(s, batched)
    : events(s, batched).pipe(Stream.drainFork(Stream.fromEffect(stdinFeed(s, options.stdin))))

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

const AttachJson = Schema.Struct({ exit_code: Schema.Number })

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
  }).pipe(narrow.exec.effect, Effect.withSpan(operation, { attributes: { "msb.sandbox": core.name } }))
