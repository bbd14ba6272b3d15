/**
 * Metrics samples and streams over the runtime's metrics exports (docs/runtime-abi.md §5.10).
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type * as MetricsClasses from "../Metrics.js"
import type { MicrosandboxError } from "./errorModel.js"
import { decodeDocument } from "./ffi/native.js"
import * as MetricsModule from "./metricsCodec.js"
import * as NativeStream from "./nativeStream.js"
import { type SandboxCore, withHandle } from "./sandboxCore.js"
import { STOP_POLL, untilStopped } from "./status.js"

const StatusJson = Schema.Struct({ status: Schema.String })
/** An item of `msb_metrics_recv`: a sample, or the sticky end. */
const ItemJson = Schema.Union(MetricsModule.MetricsJson, Schema.Struct({ done: Schema.Literal(true) }))

export const sample = (core: SandboxCore): Effect.Effect<MetricsClasses.Metrics, MicrosandboxError> =>
  withHandle(
    core,
    "Sandbox.metrics",
    (h) =>
      core.native.callDecode("msb_sandbox_metrics", [h], MetricsModule.MetricsJson, {
        operation: "Sandbox.metrics",
        sandbox: core.name
      })
  ).pipe(
    Effect.withSpan("Sandbox.metrics", { attributes: { "msb.sandbox": core.name } })
  )

/** Whether the sandbox is still running or draining (a vanished record counts as stopped). */
const stillRunning = (core: SandboxCore): Effect.Effect<boolean> =>
  core.native.callDecode("msb_sandbox_lookup", [core.name], StatusJson, {
    operation: "Sandbox.metricsStream"
  }).pipe(
    Effect.map((r) => r.status === "running" || r.status === "draining"),
    Effect.orElseSucceed(() => false)
  )

/** The interval in whole milliseconds, rounded up (0 for none; the runtime reads 0 as 1 ms). */
export const intervalMillis = (interval: Duration.DurationInput): bigint => {
  const millis = Duration.toMillis(Duration.decode(interval))
  return millis <= 0 ? 0n : BigInt(Math.ceil(millis))
}

/**
 * The runtime's metrics stream. Its sampler keeps producing errors after the sandbox
 * stops instead of ending; on an error item this stream checks the sandbox's status and
 * ends when it is no longer running. With an interval longer than 100 ms, each receive
 * also races a status check every 100 ms of live time (one short lookup call; a
 * wait-until-stopped call instead would hold a park lane for the stream's whole life),
 * so the stream ends within about 100 ms of the stop whatever the interval. While it is
 * open the runtime pins the sandbox, so the native stream is closed as soon as this
 * Stream ends.
 */
export const stream = (
  core: SandboxCore,
  interval: Duration.DurationInput
): Stream.Stream<MetricsClasses.Metrics, MicrosandboxError> => {
  const native = core.native
  const ctx = { operation: "Sandbox.metricsStream", sandbox: core.name }
  const millis = intervalMillis(interval)
  return NativeStream.items(
    NativeStream.openHandle(
      native,
      "msb_metrics_close",
      ctx,
      (call) => withHandle(core, ctx.operation, (h) => call("msb_sandbox_metrics_stream", [h, millis]))
    ),
    (handle) => {
      let ended = false
      const end: Effect.Effect<never, Option.Option<MicrosandboxError>> = Effect.suspend(() => {
        ended = true
        return Effect.fail(Option.none())
      })
      const received: Effect.Effect<MetricsClasses.Metrics, Option.Option<MicrosandboxError>> = native.call(
        "msb_metrics_recv",
        [handle],
        { ...ctx, tryQueuedFirst: true }
      ).pipe(
        Effect.mapError(Option.some),
        Effect.flatMap((text): Effect.Effect<MetricsClasses.Metrics, Option.Option<MicrosandboxError>> => {
          const decoded = decodeDocument(ItemJson, "msb_metrics_recv", text, ctx)
          if (Either.isLeft(decoded)) {
            return Effect.fail(Option.some(decoded.left))
          }
          const j = decoded.right
          return "done" in j ? end : Effect.succeed(j)
        }),
        Effect.catchAll((error) =>
          Option.isNone(error) || error.value._tag === "MetricsDisabled" ||
            error.value._tag === "MalformedResponse"
            ? Effect.fail(error)
            : Effect.flatMap(stillRunning(core), (running) => (running ? Effect.fail(error) : end))
        )
      )
      const stopped = untilStopped(native, core.name, ctx.operation).pipe(Effect.zipRight(end))
      const watch = millis > BigInt(Duration.toMillis(STOP_POLL))
      return Effect.suspend(() =>
        ended ? Effect.fail(Option.none()) : watch ? Effect.raceFirst(received, stopped) : received
      )
    }
  )
}

/**
 * Samples taken by this process on a schedule (first at once, then every `interval`),
 * one native call per pull: nothing queues while the consumer is busy. Ends when the
 * sandbox stops.
 */
export const poll = (
  core: SandboxCore,
  interval: Duration.DurationInput
): Stream.Stream<MetricsClasses.Metrics, MicrosandboxError> => {
  const once: Effect.Effect<Option.Option<MetricsClasses.Metrics>, MicrosandboxError> = sample(core).pipe(
    Effect.map(Option.some),
    Effect.catchAll((error): Effect.Effect<Option.Option<MetricsClasses.Metrics>, MicrosandboxError> =>
      error._tag === "MetricsDisabled" || error._tag === "InvalidHandle"
        ? Effect.fail(error)
        : Effect.flatMap(stillRunning(core), (running) => (running ? Effect.fail(error) : Effect.succeedNone))
    )
  )
  return Stream.repeatEffectWithSchedule(once, Schedule.spaced(Duration.decode(interval))).pipe(
    Stream.takeWhile(Option.isSome),
    Stream.map((o) => (o as Option.Some<MetricsClasses.Metrics>).value)
  )
}
