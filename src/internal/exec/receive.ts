/**
 * Receiving a session's events: one native receive per pull, then what is already
 * queued; the end of a session whose sandbox went away.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { ExecEvent } from "../../Exec.js"
import * as Errors from "../errorModel.js"
import type { ExecError, MicrosandboxError } from "../errorModel.js"
import { narrow } from "../errors.js"
import * as LogsImpl from "../logs.js"
import * as NativeStream from "../nativeStream.js"
import { isLive, liveSleep, statusOf } from "../status.js"
import type { Session } from "./session.js"
import { parseEvent } from "./wire.js"

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
