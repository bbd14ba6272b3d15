/**
 * Log reads and streams over the runtime's log exports (docs/runtime-abi.md §5.9).
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { LogOptions, LogStreamOptions } from "../Logs.js"
import { onFirstUse } from "./compiled.js"
import * as Errors from "./errorModel.js"
import type { MicrosandboxError } from "./errorModel.js"
import { fromDocument, parseErrorDocument } from "./errors.js"
import { decodeDocument, type NativeLibrary } from "./ffi/native.js"
import { LogEntry } from "./logsModel.js"
import * as NativeStream from "./nativeStream.js"
import { untilStopped } from "./status.js"
import * as W from "./wireCodec.js"

/** A log entry document (snake_case members) as a `LogEntry`. */
const EntryJson = Schema.transform(
  Schema.Struct({
    source: Schema.Literal("stdout", "stderr", "output", "system"),
    sessionId: W.nullable("session_id", Schema.Number),
    timestamp: W.field("timestamp_ms", Schema.DateFromNumber),
    data: W.field("data_b64", W.BytesFromBase64),
    cursor: Schema.String
  }),
  Schema.instanceOf(LogEntry),
  {
    strict: true,
    decode: (fields) => new LogEntry(fields),
    encode: (e) => ({
      source: e.source,
      sessionId: e.sessionId,
      timestamp: e.timestamp,
      data: e.data,
      cursor: e.cursor
    })
  }
)
const EntriesJson = Schema.Array(EntryJson)
/** Entries per pull at most (what is already queued is taken with the first). */
const BATCH = 64
/** Extra attempts after an empty answer while taking queued entries (as for exec events). */
const RACE_RETRIES = 3
/** Takes what is already queued on a log stream handle. */
const takeQueued = NativeStream.queued("msb_log_recv", RACE_RETRIES)
/** An item of `msb_log_recv`: an entry, or the sticky end. */
const ItemJson = Schema.Union(EntryJson, Schema.Struct({ done: Schema.Literal(true) }))

/** A time as the runtime's milliseconds since the epoch (a `Date` or a number of them). */
const EpochMillis = Schema.transform(Schema.Number, Schema.Union(Schema.DateFromSelf, Schema.Number), {
  strict: true,
  decode: (n) => n,
  encode: (t) => (t instanceof Date ? t.getTime() : t)
})
const Sources = Schema.Array(Schema.Unknown)

/** The options document of a log read (members checked before: checkLogOptions). */
const ReadOptionsJson = Schema.parseJson(Schema.Struct({
  tail: W.optional(Schema.Unknown),
  since: W.optionalKey("since_ms", EpochMillis),
  until: W.optionalKey("until_ms", EpochMillis),
  sources: W.optional(Sources, W.nonEmptyArray)
}))
const encodeReadOptions = onFirstUse(() => Schema.encodeSync(ReadOptionsJson))

/** The options document of a log stream; a cursor replaces `since`. */
const StreamOptionsJson = Schema.parseJson(Schema.Struct({
  sources: W.optional(Sources, W.nonEmptyArray),
  cursor: W.optionalKey("from_cursor", Schema.String),
  since: W.optionalKey("since_ms", EpochMillis),
  until: W.optionalKey("until_ms", EpochMillis),
  follow: W.flagKey("follow")
}))
const encodeStreamOptions = onFirstUse(() => Schema.encodeSync(StreamOptionsJson))

/** Where a read or stream comes from: a live handle or a name. */
export type LogTarget =
  | {
    readonly kind: "handle"
    readonly handle: Effect.Effect<bigint, MicrosandboxError>
    readonly name: string
  }
  | { readonly kind: "name"; readonly name: string }

const readOptions = (o: LogOptions) =>
  encodeReadOptions({ tail: o.tail, since: o.since, until: o.until, sources: o.sources })

export const read = (
  native: NativeLibrary,
  target: LogTarget,
  options: LogOptions,
  operation: string
): Effect.Effect<ReadonlyArray<LogEntry>, MicrosandboxError> => {
  const ctx = { operation, sandbox: target.name }
  const json = readOptions(options)
  const call = target.kind === "handle"
    ? Effect.flatMap(target.handle, (h) => native.callDecode("msb_sandbox_logs", [h, json], EntriesJson, ctx))
    : native.callDecode("msb_sandbox_handle_logs", [target.name, json], EntriesJson, ctx)
  return call.pipe(
    Effect.withSpan(operation, { attributes: { "msb.sandbox": target.name } })
  )
}

const streamOptions = (o: LogStreamOptions, cursor: Option.Option<string>) =>
  encodeStreamOptions({
    sources: o.sources,
    cursor: Option.getOrUndefined(cursor),
    since: Option.isSome(cursor) ? undefined : o.since,
    until: o.until,
    // `true` or "untilStopped": the runtime follows either way
    follow: o.follow !== undefined && o.follow !== false
  })

/**
 * One native log stream, from a cursor (or the options' start); the handle is closed with
 * the Stream. With `onStop`, each receive races a status check every 100 ms of live time:
 * once the sandbox is stopped, crashed or removed the stream ends and `onStop` is told
 * the status.
 */
const openOnce = (
  native: NativeLibrary,
  target: LogTarget,
  options: LogStreamOptions,
  cursor: Option.Option<string>,
  operation: string,
  delivered: (entry: LogEntry) => void,
  onStop?: (status: string) => void
): Stream.Stream<LogEntry, MicrosandboxError> =>
  Stream.suspend(() => {
    const ctx = { operation, sandbox: target.name }
    const json = streamOptions(options, cursor)
    return NativeStream.chunks(
      NativeStream.openHandle(native, "msb_log_close", ctx, (call) =>
        target.kind === "handle"
          ? Effect.flatMap(target.handle, (h) => call("msb_sandbox_log_stream", [h, json]))
          : call("msb_sandbox_handle_log_stream", [target.name, json])),
      (handle) => {
        let done = false
        // A failure met while taking queued entries, reported by the next pull.
        let pending: MicrosandboxError | undefined
        /** One document: an entry, `None` at the end, or a failure. */
        const settle = (text: string): Either.Either<Option.Option<LogEntry>, MicrosandboxError> => {
          const decoded = decodeDocument(ItemJson, "msb_log_recv", text, ctx)
          if (Either.isLeft(decoded)) return Either.left(decoded.left)
          const j = decoded.right
          if ("done" in j) {
            done = true
            return Either.right(Option.none())
          }
          return Either.right(Option.some(j))
        }
        // After a receive, the entries already queued (the runtime queues up to 16), taken
        // on this thread without waiting; a pre-triggered cancel id loses nothing.
        const drainQueued = (into: Array<LogEntry>) => {
          while (into.length < BATCH && !done && pending === undefined) {
            // Nothing queued, or a cancel id that won an unbiased race `RACE_RETRIES` times.
            const outcome = takeQueued(native, handle)
            if (outcome === null) return
            if (outcome.t === "fault") return
            if (outcome.t === "err") {
              // An error item ends the stream (after the entries before it).
              const doc = parseErrorDocument(outcome.text)
              if (doc.kind !== "cancelled") pending = fromDocument(doc, ctx)
              return
            }
            const r = settle(outcome.json)
            if (Either.isLeft(r)) pending = r.left
            else if (Option.isSome(r.right)) into.push(r.right.value)
          }
        }
        // What is already queued is taken first, on this thread; a receive is parked on a
        // lane only when nothing is (or an unbiased race was lost every time).
        const received: Effect.Effect<Chunk.Chunk<LogEntry>, Option.Option<MicrosandboxError>> = Effect
          .suspend(
            () => {
              const queued: Array<LogEntry> = []
              drainQueued(queued)
              if (queued.length > 0) return Effect.succeed(Chunk.unsafeFromArray(queued))
              if (pending !== undefined) {
                const error = pending
                pending = undefined
                return Effect.fail(Option.some(error))
              }
              if (done) return Effect.fail(Option.none())
              return native.call("msb_log_recv", [handle], ctx).pipe(
                Effect.mapError(Option.some),
                Effect.flatMap((text) => {
                  const r = settle(text)
                  if (Either.isLeft(r)) return Effect.fail(Option.some(r.left))
                  if (Option.isNone(r.right)) return Effect.fail(Option.none())
                  const batch = [r.right.value]
                  drainQueued(batch)
                  return Effect.succeed(Chunk.unsafeFromArray(batch))
                })
              )
            }
          )
        const next = onStop === undefined ? received : Effect.raceFirst(
          received,
          untilStopped(native, target.name, operation).pipe(
            Effect.flatMap((status) =>
              Effect.suspend(() => {
                done = true
                onStop(status)
                return Effect.fail(Option.none())
              })
            )
          )
        )
        // An entry counts as delivered (its cursor is where a resume or the after-stop read
        // starts) once emitted: a receive that loses the race to the stop check is re-read.
        return Effect.suspend(() => done && pending === undefined ? Effect.fail(Option.none()) : next)
      }
    ).pipe(Stream.mapChunks((chunk) => {
      for (const entry of chunk) delivered(entry)
      return chunk
    }))
  })

/** Errors before anything was opened (bad options, unknown sandbox) are not resumable. */
const resumable = (error: MicrosandboxError): boolean =>
  error._tag !== "InvalidArgument" && error._tag !== "InvalidConfig" &&
  error._tag !== "SandboxNotFound" && error._tag !== "InvalidHandle"

export const stream = (
  native: NativeLibrary,
  target: LogTarget,
  options: LogStreamOptions,
  operation: string
): Stream.Stream<LogEntry, MicrosandboxError> => {
  if (options.since !== undefined && options.afterCursor !== undefined) {
    return Stream.fail(
      new Errors.InvalidArgument({
        message: "since and afterCursor are mutually exclusive",
        operation,
        sandbox: target.name
      })
    )
  }
  const maxAttempts = options.resume === undefined || options.resume === false
    ? 0
    : options.resume === true
    ? 3
    : options.resume.maxAttempts
  return Stream.suspend(() => {
    let last = Option.fromNullable(options.afterCursor)
    let stoppedWith: Option.Option<string> = Option.none()
    const delivered = (entry: LogEntry) => {
      last = Option.some(entry.cursor)
    }
    // After the stop, what was written up to it (and not delivered yet) is read to its
    // end by a stream that does not follow, from the last delivered entry.
    const rest = Stream.suspend(() =>
      Option.isSome(stoppedWith) && stoppedWith.value !== "removed"
        ? openOnce(native, target, { ...options, follow: false }, last, operation, delivered)
        : Stream.empty
    )
    const onStop = options.follow === "untilStopped"
      ? (status: string) => {
        stoppedWith = Option.some(status)
      }
      : undefined
    // A resume opens a new native stream after the last delivered entry, at most
    // `maxAttempts` times in a row: `Stream.retry` starts the count again with each
    // delivered chunk.
    const resume = Schedule.recurs(maxAttempts).pipe(
      Schedule.whileInput(resumable),
      Schedule.checkEffect((error: MicrosandboxError) =>
        Effect.as(
          Effect.logDebug(
            `log stream of ${target.name} ended with ${error._tag}; resuming after the last cursor`
          ),
          true
        )
      )
    )
    const once = Stream.suspend(() => openOnce(native, target, options, last, operation, delivered, onStop))
    const from = maxAttempts > 0 ? once.pipe(Stream.retry(resume)) : once
    return onStop === undefined ? from : Stream.concat(from, rest)
  })
}
