/**
 * The documents the runtime answers the sandbox calls with, and their decoding into
 * the models.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as MetricsModule from "../metricsCodec.js"
import { PingResult, SandboxStatus, StopResult, TouchResult } from "./model.js"

export const HandleJson = Schema.Struct({ handle: Schema.Number, backend_kind: Schema.String })
export const OkJson = Schema.Struct({ ok: Schema.Boolean })
export const InfoJson = Schema.Struct({
  name: Schema.String,
  status: Schema.String,
  config_json: Schema.String,
  created_at_unix: Schema.NullOr(Schema.Number),
  updated_at_unix: Schema.NullOr(Schema.Number),
  backend_kind: Schema.String
})
export type InfoJson = typeof InfoJson.Type
export const ListJson = Schema.Struct({
  sandboxes: Schema.Array(InfoJson),
  next_cursor: Schema.NullOr(Schema.String)
})
export const StopJson = Schema.Struct({
  name: Schema.String,
  status: SandboxStatus,
  exit_code: Schema.NullOr(Schema.Number),
  signal: Schema.NullOr(Schema.Number),
  observed_at_unix: Schema.Number,
  source: Schema.NullOr(Schema.String)
})
export const PingJson = Schema.Struct({ name: Schema.String, latency_ms: Schema.Number })
export const TouchJson = Schema.Struct({ name: Schema.String, activity_seq: Schema.Number })
export const OwnsJson = Schema.Struct({ owns: Schema.Boolean })
export const AllMetricsJson = Schema.Struct({
  sandboxes: Schema.Record({ key: Schema.String, value: MetricsModule.MetricsJson })
})

export const toStopResult = (j: typeof StopJson.Type) =>
  new StopResult({
    name: j.name,
    status: j.status,
    exitCode: Option.fromNullable(j.exit_code),
    signal: Option.fromNullable(j.signal),
    observedAt: new Date(j.observed_at_unix * 1000),
    source: Option.fromNullable(j.source)
  })

export const SystemLogJson = Schema.Array(Schema.Struct({ data_b64: Schema.String }))

export const toPingResult = (j: typeof PingJson.Type) =>
  new PingResult({ name: j.name, latency: Duration.micros(BigInt(Math.round(j.latency_ms * 1000))) })
export const toTouchResult = (j: typeof TouchJson.Type) =>
  new TouchResult({ name: j.name, activitySeq: j.activity_seq })
