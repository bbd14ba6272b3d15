/**
 * The runtime's metrics documents and their decoding (docs/runtime-abi.md §5.0).
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { Metrics, MetricsLite } from "./metricsModel.js"

const n = Schema.Number
const opt = Schema.optional(Schema.NullOr(Schema.Number))

export const MetricsJson = Schema.Struct({
  cpu_percent: n,
  vcpu_time_ns: n,
  memory_bytes: n,
  memory_available_bytes: opt,
  memory_host_resident_bytes: opt,
  memory_limit_bytes: n,
  disk_read_bytes: n,
  disk_write_bytes: n,
  net_rx_bytes: n,
  net_tx_bytes: n,
  upper_used_bytes: opt,
  upper_free_bytes: opt,
  upper_host_allocated_bytes: opt,
  uptime_secs: n
})

export const MetricsLiteJson = Schema.Struct({
  cpu_percent: n,
  memory_bytes: n,
  memory_limit_bytes: n,
  disk_read_bytes: n,
  disk_write_bytes: n,
  net_rx_bytes: n,
  net_tx_bytes: n,
  uptime_secs: n
})

export const fromJson = (j: typeof MetricsJson.Type): Metrics =>
  new Metrics({
    cpuPercent: j.cpu_percent,
    vcpuTime: Duration.nanos(BigInt(Math.round(j.vcpu_time_ns))),
    memoryBytes: j.memory_bytes,
    memoryAvailableBytes: Option.fromNullable(j.memory_available_bytes),
    memoryHostResidentBytes: Option.fromNullable(j.memory_host_resident_bytes),
    memoryLimitBytes: j.memory_limit_bytes,
    diskReadBytes: j.disk_read_bytes,
    diskWriteBytes: j.disk_write_bytes,
    netRxBytes: j.net_rx_bytes,
    netTxBytes: j.net_tx_bytes,
    upperUsedBytes: Option.fromNullable(j.upper_used_bytes),
    upperFreeBytes: Option.fromNullable(j.upper_free_bytes),
    upperHostAllocatedBytes: Option.fromNullable(j.upper_host_allocated_bytes),
    uptime: Duration.seconds(j.uptime_secs)
  })

export const liteFromJson = (j: typeof MetricsLiteJson.Type): MetricsLite =>
  new MetricsLite({
    cpuPercent: j.cpu_percent,
    memoryBytes: j.memory_bytes,
    memoryLimitBytes: j.memory_limit_bytes,
    diskReadBytes: j.disk_read_bytes,
    diskWriteBytes: j.disk_write_bytes,
    netRxBytes: j.net_rx_bytes,
    netTxBytes: j.net_tx_bytes,
    uptime: Duration.seconds(j.uptime_secs)
  })
