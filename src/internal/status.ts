/**
 * A sandbox's status by name, and waiting (on the live clock) for it to stop: what the
 * streams that end with their sandbox (metrics, log streams that follow until stop) and
 * an exec session that lost its agent connection use.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { NativeLibrary } from "./ffi/native.js"

const StatusJson = Schema.Struct({ status: Schema.String })

/** This process's clock, whatever Clock the caller's fiber was given (TestClock in a test suite). */
export const liveClock: Clock.Clock = Clock.make()

/** Sleeps on the live clock. */
export const liveSleep = (duration: Duration.DurationInput): Effect.Effect<void> =>
  Effect.sleep(duration).pipe(Effect.withClock(liveClock))

/** How often a stream that ends with its sandbox checks the sandbox's status while it waits. */
export const STOP_POLL = Duration.millis(100)

/** `running`/`draining` (and the cloud's `created`/`starting`/`paused`): not terminal. */
export const isLive = (status: string): boolean =>
  status !== "stopped" && status !== "crashed" && status !== "removed"

/**
 * The sandbox's status (`removed` when it has no record); `unknown` when the lookup
 * itself failed for another reason.
 */
export const statusOf = (native: NativeLibrary, name: string, operation: string): Effect.Effect<string> =>
  native.callDecode("msb_sandbox_lookup", [name], StatusJson, { operation, span: false }).pipe(
    Effect.map((r) => r.status),
    Effect.catchAll((e) => Effect.succeed(e._tag === "SandboxNotFound" ? "removed" : "unknown"))
  )

/**
 * Completes with the sandbox's status once it is terminal (stopped, crashed, removed),
 * checking every 100 ms of live time; a lookup that fails for another reason is retried.
 */
export const untilStopped = (native: NativeLibrary, name: string, operation: string): Effect.Effect<string> =>
  Effect.gen(function*() {
    while (true) {
      yield* liveSleep(STOP_POLL)
      const status = yield* statusOf(native, name, operation)
      if (status !== "unknown" && !isLive(status)) return status
    }
  })
