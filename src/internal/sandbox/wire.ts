/**
 * The documents the runtime answers the sandbox calls with, and their decoding into
 * the models.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"
import * as MetricsModule from "../metricsCodec.js"
import * as W from "../wireCodec.js"
import { PingResult, SandboxStatus, StopResult, TouchResult } from "./model.js"

export const HandleJson = Schema.Struct({ handle: Schema.Number, backend_kind: Schema.String })
export const OkJson = Schema.Struct({ ok: Schema.Boolean })
/** A sandbox record as the runtime reports it, its members renamed and converted. */
export const InfoJson = Schema.Struct({
  name: Schema.String,
  status: Schema.String,
  configJson: W.field("config_json", Schema.String),
  createdAt: W.nullable("created_at_unix", W.DateFromUnixSeconds),
  updatedAt: W.nullable("updated_at_unix", W.DateFromUnixSeconds),
  backendKind: W.field("backend_kind", Schema.String)
})
export type InfoJson = typeof InfoJson.Type
export const ListJson = Schema.Struct({
  sandboxes: Schema.Array(InfoJson),
  nextCursor: W.nullable("next_cursor", Schema.String)
})
/** The stop document as a `StopResult`. */
export const StopJson = Schema.transform(
  Schema.Struct({
    name: Schema.String,
    status: SandboxStatus,
    exitCode: W.nullable("exit_code", Schema.Number),
    signal: W.nullable("signal", Schema.Number),
    observedAt: W.field("observed_at_unix", W.DateFromUnixSeconds),
    source: W.nullable("source", Schema.String)
  }),
  Schema.typeSchema(StopResult),
  { strict: true, decode: (fields) => new StopResult(fields, { disableValidation: true }), encode: (r) => r }
)
const DurationFromMillis = Schema.transform(Schema.Number, Schema.DurationFromSelf, {
  strict: true,
  decode: (ms) => Duration.micros(BigInt(Math.round(ms * 1000))),
  encode: (d) => Duration.toMillis(d)
})
/** The ping document as a `PingResult`. */
export const PingJson = Schema.transform(
  Schema.Struct({ name: Schema.String, latency: W.field("latency_ms", DurationFromMillis) }),
  Schema.typeSchema(PingResult),
  { strict: true, decode: (fields) => new PingResult(fields, { disableValidation: true }), encode: (r) => r }
)
/** The touch document as a `TouchResult`. */
export const TouchJson = Schema.transform(
  Schema.Struct({ name: Schema.String, activitySeq: W.field("activity_seq", Schema.Number) }),
  Schema.typeSchema(TouchResult),
  { strict: true, decode: (fields) => new TouchResult(fields, { disableValidation: true }), encode: (r) => r }
)
export const OwnsJson = Schema.Struct({ owns: Schema.Boolean })
export const AllMetricsJson = Schema.Struct({
  sandboxes: Schema.Record({ key: Schema.String, value: MetricsModule.MetricsJson })
})

export const SystemLogJson = Schema.Array(
  Schema.Struct({ data: W.field("data_b64", W.BytesFromBase64) })
)
