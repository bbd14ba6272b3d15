/**
 * The log entry model (re-exported by the public Logs module).
 *
 * @internal
 */
import * as Data from "effect/Data"
import type * as Option from "effect/Option"
import type { LogSource } from "../Logs.js"

const decoder = new TextDecoder()

/**
 * One log entry.
 */
export class LogEntry extends Data.Class<{
  readonly source: LogSource
  /** The exec session that produced it (none for `system` lines). */
  readonly sessionId: Option.Option<number>
  readonly timestamp: Date
  readonly data: Uint8Array
  /** Opaque: pass to `afterCursor` to resume strictly after this entry. */
  readonly cursor: string
}> {
  /** The payload as UTF-8 text. */
  get text(): string {
    return decoder.decode(this.data)
  }
}
