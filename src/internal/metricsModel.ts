/**
 * The metrics models (re-exported by the public Metrics module): defined here so the
 * codec can build them without importing the public module.
 *
 * @internal
 */
import * as Schema from "effect/Schema"

/**
 * A point-in-time sample of a running sandbox. Optional members are `Option`s: the
 * runtime reports them only when the guest or host can measure them.
 */
export class Metrics extends Schema.Class<Metrics>("Metrics")({
  /** CPU usage as a percentage across all host CPUs. */
  cpuPercent: Schema.Number,
  /** Cumulative guest vCPU time. */
  vcpuTime: Schema.DurationFromSelf,
  memoryBytes: Schema.Number,
  memoryAvailableBytes: Schema.OptionFromSelf(Schema.Number),
  memoryHostResidentBytes: Schema.OptionFromSelf(Schema.Number),
  memoryLimitBytes: Schema.Number,
  diskReadBytes: Schema.Number,
  diskWriteBytes: Schema.Number,
  netRxBytes: Schema.Number,
  netTxBytes: Schema.Number,
  upperUsedBytes: Schema.OptionFromSelf(Schema.Number),
  upperFreeBytes: Schema.OptionFromSelf(Schema.Number),
  upperHostAllocatedBytes: Schema.OptionFromSelf(Schema.Number),
  /** Time since boot, whole seconds. */
  uptime: Schema.DurationFromSelf
}) {}

/**
 * The by-name sample (`SandboxHandle.metrics`): the runtime reports only these eight
 * members without a live connection.
 */
export class MetricsLite extends Schema.Class<MetricsLite>("MetricsLite")({
  cpuPercent: Schema.Number,
  memoryBytes: Schema.Number,
  memoryLimitBytes: Schema.Number,
  diskReadBytes: Schema.Number,
  diskWriteBytes: Schema.Number,
  netRxBytes: Schema.Number,
  netTxBytes: Schema.Number,
  uptime: Schema.DurationFromSelf
}) {}
