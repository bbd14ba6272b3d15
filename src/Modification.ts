/**
 * Live modification of a sandbox: `sandbox.modify(patch, options)` on a live sandbox, or
 * `handle.modify(patch, options)` by name (`msb_sandbox_modify`,
 * `msb_sandbox_handle_modify`; runtime-abi.md §5.4.1).
 *
 * The runtime first plans the change: each entry of the plan says whether it applies
 * `live`, at the `next start`, `requires restart`, or is `unsupported` in the sandbox's
 * current status. A `dryRun` returns the plan without changing anything. Otherwise the
 * `policy` decides:
 *
 * - `no_restart` (default): apply only what needs no restart; if any change requires
 *   one, nothing is applied and the call fails (`Internal`, "cannot apply modification").
 * - `next_start`: persist everything for the next boot; a running VM is left alone.
 * - `restart`: persist, and if a change requires it, stop the sandbox and start it again
 *   (detached: the restarted VM outlives this process until stopped).
 *
 * Conflicts in the plan (a zero CPU count, a shrinking root disk, a key both set and
 * removed…) make a non-dry run fail the same way.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Modification, type Sandbox } from "effect-microsandbox"
 *
 * const grow = (sandbox: Sandbox.Sandbox) =>
 *   Effect.gen(function*() {
 *     const plan = yield* sandbox.modify({ memoryMib: 2048, env: { MODE: "fast" } }, { dryRun: true })
 *     if (Modification.requiresRestart(plan)) {
 *       yield* sandbox.modify({ memoryMib: 2048, env: { MODE: "fast" } }, { policy: "next_start" })
 *     }
 *   })
 * ```
 *
 * @since 0.1.0
 */
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Schema from "effect/Schema"
import * as model from "./internal/modifyModel.js"
import type * as Errors from "./MicrosandboxError.js"

// ------------------------------------------------------------------ the patch

/**
 * A secret to add, rotate, re-scope or re-placeholder. Exactly one of `value`,
 * `fromEnv` (a host environment variable read by the runtime) or `fromStore` may carry
 * the material; none keeps the current one (hosts or placeholder only). An empty
 * `allowedHosts` keeps the current hosts of an existing secret.
 *
 * @since 0.1.0
 * @category models
 */
export const SecretPatch: typeof model.SecretPatch = model.SecretPatch
/**
 * @since 0.1.0
 * @category models
 */
export type SecretPatch = typeof SecretPatch.Type

/**
 * What to change. Every member is optional; sizes are MiB, counts are positive
 * integers (validated before anything crosses the boundary: `InvalidConfig` names the
 * member).
 *
 * @since 0.1.0
 * @category models
 */
export const Patch: typeof model.Patch = model.Patch
/**
 * @since 0.1.0
 * @category models
 */
export interface Patch extends Schema.Schema.Type<typeof Patch> {}

/**
 * A secret patch with its material from a value (kept `Redacted`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const secret = (
  name: string,
  options: {
    readonly value?: string | Redacted.Redacted<string>
    readonly fromEnv?: string
    readonly fromStore?: string
    readonly placeholder?: string
    readonly allowedHosts?: ReadonlyArray<string>
  } = {}
): SecretPatch => {
  const { value, ...rest } = options
  return value === undefined
    ? { name, ...rest }
    : { name, ...rest, value: Redacted.isRedacted(value) ? value : Redacted.make(value) }
}

/**
 * `no_restart` (default), `next_start` or `restart` (see the module docs).
 *
 * @since 0.1.0
 * @category models
 */
export const Policy: typeof model.Policy = model.Policy
/**
 * @since 0.1.0
 * @category models
 */
export type Policy = typeof Policy.Type

/**
 * @since 0.1.0
 * @category models
 */
export interface ModifyOptions {
  /** What applying does when a change needs a restart (default `no_restart`). */
  readonly policy?: Policy | undefined
  /** Plan only: nothing changes. */
  readonly dryRun?: boolean | undefined
}

/**
 * What a modification can fail with (`MicrosandboxError.ModifyError`): `InvalidConfig`
 * (the patch or policy, before any call), `InvalidHandle` (a closed sandbox),
 * `SandboxNotFound`, `Internal` (the runtime refused to apply the plan: a conflict, an
 * unsupported change, a restart the policy does not allow), `SandboxStillRunning`,
 * `MalformedResponse` (a plan that does not decode), and what any native call can report.
 *
 * @since 0.1.0
 * @category errors
 */
export type ModifyError = Errors.ModifyError

// ------------------------------------------------------------------ the plan

/**
 * When a change takes effect.
 *
 * @since 0.1.0
 * @category models
 */
export const Disposition: typeof model.Disposition = model.Disposition
/**
 * @since 0.1.0
 * @category models
 */
export type Disposition = typeof Disposition.Type

/**
 * A planned change of a configuration field (`cpus`, `max_cpus`, `memory`,
 * `max_memory`, `root_disk_size`, `env`, `label`, `workdir`).
 *
 * @since 0.1.0
 * @category models
 */
export const ConfigChange: typeof model.ConfigChange = model.ConfigChange
/**
 * @since 0.1.0
 * @category models
 */
export type ConfigChange = model.ConfigChange

/**
 * A planned change of a secret (`before`/`after` are the guest-visible placeholders).
 *
 * @since 0.1.0
 * @category models
 */
export const SecretChange: typeof model.SecretChange = model.SecretChange
/**
 * @since 0.1.0
 * @category models
 */
export type SecretChange = model.SecretChange

/**
 * @since 0.1.0
 * @category models
 */
export const PlannedChange: typeof model.PlannedChange = model.PlannedChange
/**
 * @since 0.1.0
 * @category models
 */
export type PlannedChange = typeof PlannedChange.Type

/**
 * A conflict (the plan cannot be applied) or a warning.
 *
 * @since 0.1.0
 * @category models
 */
export const Note: typeof model.Note = model.Note
/**
 * @since 0.1.0
 * @category models
 */
export type Note = model.Note

/**
 * Live CPU/memory resize progress.
 *
 * @since 0.1.0
 * @category models
 */
export const ResizeStatus: typeof model.ResizeStatus = model.ResizeStatus
/**
 * @since 0.1.0
 * @category models
 */
export type ResizeStatus = model.ResizeStatus

/**
 * The runtime's modification plan (`applied` is false for a dry run).
 *
 * @since 0.1.0
 * @category models
 */
export const ModificationPlan: typeof model.ModificationPlan = model.ModificationPlan
/**
 * @since 0.1.0
 * @category models
 */
export type ModificationPlan = model.ModificationPlan

/**
 * Whether applying the plan needs a restart of the running sandbox.
 *
 * @since 0.1.0
 * @category predicates
 */
export const requiresRestart = (plan: ModificationPlan): boolean =>
  plan.changes.some((c) => c.disposition === "requires restart")

/**
 * Whether a non-dry run of this plan under its policy would be refused (a conflict, an
 * unsupported change, or a restart the policy does not allow).
 *
 * @since 0.1.0
 * @category predicates
 */
export const isRefused = (plan: ModificationPlan): boolean =>
  plan.conflicts.length > 0 ||
  plan.changes.some((c) =>
    c.disposition === "unsupported" || (c.disposition === "requires restart" && plan.policy !== "restart")
  )

/**
 * The change of a field, if the plan has one.
 *
 * @since 0.1.0
 * @category getters
 */
export const change = (plan: ModificationPlan, field: string): Option.Option<PlannedChange> =>
  Option.fromNullable(plan.changes.find((c) => c.field === field))
