/**
 * The models of the Sandbox module: type ids, statuses and the results of the
 * lifecycle calls (re-exported by the public Sandbox and SandboxHandle modules).
 *
 * @internal
 */
import type * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"
import type { Sandbox } from "../../Sandbox.js"

export const TypeId: unique symbol = Symbol.for("effect-microsandbox/Sandbox")
export type TypeId = typeof TypeId
export const HandleTypeId: unique symbol = Symbol.for("effect-microsandbox/SandboxHandle")
export type HandleTypeId = typeof HandleTypeId

export const SandboxStatus = Schema.Literal(
  "created",
  "starting",
  "running",
  "draining",
  "paused",
  "stopped",
  "crashed"
)
export type SandboxStatus = typeof SandboxStatus.Type

export class StopResult extends Schema.Class<StopResult>("StopResult")({
  name: Schema.String,
  /** `stopped` or `crashed`. */
  status: SandboxStatus,
  /** Exit code of the VM's runtime process (only the lifecycle owner observes it). */
  exitCode: Schema.OptionFromSelf(Schema.Number),
  /** Terminating signal of that process (owner only). */
  signal: Schema.OptionFromSelf(Schema.Number),
  observedAt: Schema.DateFromSelf,
  /** How the stop was observed: `owned process wait`, `refreshed backend state`, or ephemeral cleanup. */
  source: Schema.OptionFromSelf(Schema.String)
}) {}

export class PingResult extends Schema.Class<PingResult>("PingResult")({
  name: Schema.String,
  latency: Schema.DurationFromSelf
}) {}

export class TouchResult extends Schema.Class<TouchResult>("TouchResult")({
  name: Schema.String,
  activitySeq: Schema.Number
}) {}

export interface StopOptions {
  /** Graceful window before the kill (default 10 s; zero kills at once). */
  readonly timeout?: Duration.DurationInput
}
export interface KillOptions {
  /** How long to wait to observe the stopped state (default 5 s). */
  readonly timeout?: Duration.DurationInput
}

export const isSandbox = (u: unknown): u is Sandbox => typeof u === "object" && u !== null && TypeId in u
