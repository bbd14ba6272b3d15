/**
 * A sandbox's persisted output: what its commands wrote (`stdout`, `stderr`, `output`
 * for terminal sessions) and the runtime's `system` lines. Read it at once
 * (`sandbox.logs`, `handle.logs`) or as a backpressured `Stream` (`sandbox.logStream`),
 * optionally following new entries.
 *
 * @example
 * ```ts
 * import { Console, Effect, Stream } from "effect"
 * import { Logs, type Sandbox } from "effect-microsandbox"
 *
 * // tail -f
 * const follow = (sandbox: Sandbox.Sandbox) =>
 *   sandbox.logStream({ follow: true }).pipe(
 *     Logs.lines,
 *     Stream.runForEach((line) => Console.log(`[${line.source}] ${line.text}`))
 *   )
 * ```
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Stream from "effect/Stream"
import * as model from "./internal/logsModel.js"

/**
 * @since 0.1.0
 * @category models
 */
export type LogSource = "stdout" | "stderr" | "output" | "system"

/**
 * One log entry.
 *
 * @since 0.1.0
 * @category models
 */
export const LogEntry: typeof model.LogEntry = model.LogEntry
/**
 * @since 0.1.0
 * @category models
 */
export type LogEntry = model.LogEntry

/**
 * Options of a one-shot read.
 *
 * @since 0.1.0
 * @category models
 */
export interface LogOptions {
  /** Keep only the last `tail` entries (after the other filters). */
  readonly tail?: number | undefined
  /** Inclusive lower bound. */
  readonly since?: Date | number | undefined
  /** Exclusive upper bound. */
  readonly until?: Date | number | undefined
  /** Default: stdout, stderr and output. */
  readonly sources?: ReadonlyArray<LogSource> | undefined
}

/**
 * Options of a log stream. `since` and `afterCursor` are mutually exclusive
 * (`InvalidArgument` before the call).
 *
 * @since 0.1.0
 * @category models
 */
export interface LogStreamOptions {
  /** Default: stdout, stderr and output. */
  readonly sources?: ReadonlyArray<LogSource> | undefined
  /** Start at the first entry at or after this time. */
  readonly since?: Date | number | undefined
  /** Resume strictly after the entry that carried this cursor. */
  readonly afterCursor?: string | undefined
  /** End (without emitting it) at the first entry at or after this time. */
  readonly until?: Date | number | undefined
  /**
   * Keep the stream open and deliver new entries as they are written.
   *
   * - `true`: follows the sandbox's log files, not its life: the stream stays open when
   *   the sandbox stops, delivers the entries of a restart, and does not end when the
   *   sandbox is removed (end it with `until`, `Stream.take` or interruption).
   * - `"untilStopped"`: the same until the sandbox stops, crashes or is removed; then
   *   the stream delivers every entry written up to the stop and ends (within about
   *   100 ms of the stop, whatever the traffic; checked with one status lookup per
   *   100 ms while a receive waits).
   */
  readonly follow?: boolean | "untilStopped" | undefined
  /**
   * When the runtime ends the stream with an error mid-way, reopen it after the last
   * delivered entry (no duplicate, no gap), up to `maxAttempts` times in a row
   * (default 3).
   */
  readonly resume?: boolean | { readonly maxAttempts: number } | undefined
}

/**
 * A line of one source.
 *
 * @since 0.1.0
 * @category models
 */
export class LogLine extends Data.Class<{ readonly source: LogSource; readonly text: string }> {}

/**
 * Splits entries into lines, per source: a line split across entries is joined, lines
 * of different sources never mix, and a UTF-8 character split across entries is decoded
 * whole (one streaming decoder per source). A trailing partial line is emitted at the
 * end.
 *
 * @since 0.1.0
 * @category streams
 */
export const lines = <E, R>(entries: Stream.Stream<LogEntry, E, R>): Stream.Stream<LogLine, E, R> =>
  Stream.suspend(() => {
    const sources = new Map<
      LogSource,
      { readonly decoder: InstanceType<typeof TextDecoder>; partial: string }
    >()
    const split = (source: LogSource, text: string): Array<LogLine> => {
      const parts = text.split(/\r?\n/)
      sources.get(source)!.partial = parts.pop() ?? ""
      return parts.map((t) => new LogLine({ source, text: t }))
    }
    return entries.pipe(
      Stream.mapConcat((entry) => {
        let state = sources.get(entry.source)
        if (state === undefined) {
          state = { decoder: new TextDecoder(), partial: "" }
          sources.set(entry.source, state)
        }
        return split(entry.source, state.partial + state.decoder.decode(entry.data, { stream: true }))
      }),
      Stream.concat(
        Stream.suspend(() =>
          Stream.fromIterable(
            [...sources].flatMap(([source, state]) => {
              // What the decoder still holds (an incomplete character) ends the last line.
              const text = state.partial + state.decoder.decode()
              return text.length > 0 ? [new LogLine({ source, text })] : []
            })
          )
        )
      )
    )
  })

/**
 * Lines of one source only.
 *
 * @since 0.1.0
 * @category streams
 */
export const linesOf =
  (source: LogSource) => <E, R>(entries: Stream.Stream<LogEntry, E, R>): Stream.Stream<string, E, R> =>
    lines(Stream.filter(entries, (e) => e.source === source)).pipe(Stream.map((l) => l.text))
