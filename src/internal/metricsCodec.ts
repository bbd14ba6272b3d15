/**
 * The runtime's metrics documents and their decoding (docs/runtime-abi.md §5.0).
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { Metrics, MetricsLite } from "./metricsModel.js"
import { field } from "./wireCodec.js"

const count = <const K extends string>(key: K) => field(key, Schema.Number)
/** A member the runtime reports only when it can measure it: absent or null is None. */
const measured = <const K extends string>(key: K) =>
  Schema.optionalWith(Schema.Number, { nullable: true, as: "Option" }).pipe(Schema.fromKey(key))
const DurationFromNanos = Schema.transform(Schema.Number, Schema.DurationFromSelf, {
  strict: true,
  decode: (ns) => Duration.nanos(BigInt(Math.round(ns))),
  encode: (d) => Number(Option.getOrElse(Duration.toNanos(d), () => 0n))
})
const DurationFromSeconds = Schema.transform(Schema.Number, Schema.DurationFromSelf, {
  strict: true,
  decode: (s) => Duration.seconds(s),
  encode: (d) => Duration.toSeconds(d)
})

/** The runtime's metrics document (snake_case members) as a `Metrics`. */
export const MetricsJson = Schema.transform(
  Schema.Struct({
    cpuPercent: count("cpu_percent"),
    vcpuTime: field("vcpu_time_ns", DurationFromNanos),
    memoryBytes: count("memory_bytes"),
    memoryAvailableBytes: measured("memory_available_bytes"),
    memoryHostResidentBytes: measured("memory_host_resident_bytes"),
    memoryLimitBytes: count("memory_limit_bytes"),
    diskReadBytes: count("disk_read_bytes"),
    diskWriteBytes: count("disk_write_bytes"),
    netRxBytes: count("net_rx_bytes"),
    netTxBytes: count("net_tx_bytes"),
    upperUsedBytes: measured("upper_used_bytes"),
    upperFreeBytes: measured("upper_free_bytes"),
    upperHostAllocatedBytes: measured("upper_host_allocated_bytes"),
    uptime: field("uptime_secs", DurationFromSeconds)
  }),
  Schema.typeSchema(Metrics),
  { strict: true, decode: (fields) => new Metrics(fields, { disableValidation: true }), encode: (m) => m }
)

/** The by-name metrics document (eight members) as a `MetricsLite`. */
export const MetricsLiteJson = Schema.transform(
  Schema.Struct({
    cpuPercent: count("cpu_percent"),
    memoryBytes: count("memory_bytes"),
    memoryLimitBytes: count("memory_limit_bytes"),
    diskReadBytes: count("disk_read_bytes"),
    diskWriteBytes: count("disk_write_bytes"),
    netRxBytes: count("net_rx_bytes"),
    netTxBytes: count("net_tx_bytes"),
    uptime: field("uptime_secs", DurationFromSeconds)
  }),
  Schema.typeSchema(MetricsLite),
  { strict: true, decode: (fields) => new MetricsLite(fields, { disableValidation: true }), encode: (m) => m }
)
