/**
 * Resource metrics of sandboxes (docs/runtime-abi.md §5.0, §5.10).
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import * as Stream from "effect/Stream"
import { narrow } from "./internal/errors.js"
import { checkInterval } from "./internal/inputs.js"
import { poll as pollImpl } from "./internal/metrics.js"
import * as internal from "./internal/metricsModel.js"
import { coreOf } from "./internal/sandboxCore.js"
import { invalidArgument, show } from "./internal/validate.js"
import type { MetricsError } from "./MicrosandboxError.js"
import type { Sandbox } from "./Sandbox.js"

/**
 * A point-in-time sample of a running sandbox. Optional members are `Option`s: the
 * runtime reports them only when the guest or host can measure them.
 *
 * @since 0.1.0
 * @category models
 */
export const Metrics: typeof internal.Metrics = internal.Metrics
/**
 * @since 0.1.0
 * @category models
 */
export type Metrics = internal.Metrics

/**
 * The by-name sample (`SandboxHandle.metrics`): the runtime reports only these eight
 * members without a live connection.
 *
 * @since 0.1.0
 * @category models
 */
export const MetricsLite: typeof internal.MetricsLite = internal.MetricsLite
/**
 * @since 0.1.0
 * @category models
 */
export type MetricsLite = internal.MetricsLite

/**
 * Samples a sandbox on this process's schedule: the first at once, then one every
 * `interval` — each taken only when the consumer pulls, so nothing queues while it is
 * busy (use this with slow consumers). Ends when the sandbox stops. Runs on the Effect
 * `Clock` (`TestClock` drives it in tests).
 *
 * @example
 * ```ts
 * import { Console, Stream } from "effect"
 * import { Metrics, type Sandbox } from "effect-microsandbox"
 *
 * const watch = (sandbox: Sandbox.Sandbox) =>
 *   Metrics.poll(sandbox, "1 second").pipe(
 *     Stream.take(10),
 *     Stream.runForEach((m) => Console.log(`cpu ${m.cpuPercent.toFixed(1)}% mem ${m.memoryBytes}`))
 *   )
 * ```
 *
 * @since 0.1.0
 * @category streams
 */
export const poll = (
  sandbox: Sandbox,
  interval: Duration.DurationInput
): Stream.Stream<Metrics, MetricsError> =>
  narrow.metrics.stream(Stream.unwrap(
    Predicate.hasProperty(sandbox, SandboxTypeId)
      ? Effect.map(
        checkInterval({ operation: "Metrics.poll", sandbox: sandbox.name }, interval),
        () => pollImpl(coreOf(sandbox), interval)
      )
      : Effect.fail(
        invalidArgument(
          { operation: "Metrics.poll" },
          "sandbox",
          `sandbox must be a Sandbox, got ${show(sandbox)}`
        )
      )
  ))

const SandboxTypeId = Symbol.for("effect-microsandbox/Sandbox")
