/**
 * The models of a live modification (the patch, the policy, the runtime's plan) as
 * Schemas (re-exported by the public Modification module).
 *
 * @internal
 */
import * as Schema from "effect/Schema"

const u8 = Schema.Int.pipe(Schema.between(1, 255))
const u32 = Schema.Int.pipe(Schema.between(1, 4294967295))
const EnvKey = Schema.String.pipe(Schema.pattern(/^[^=\0]+$/))

/**
 * A secret to add, rotate, re-scope or re-placeholder. Exactly one of `value`,
 * `fromEnv` (a host environment variable read by the runtime) or `fromStore` may carry
 * the material; none keeps the current one (hosts or placeholder only). An empty
 * `allowedHosts` keeps the current hosts of an existing secret.
 */
export const SecretPatch = Schema.Struct({
  name: Schema.String.pipe(Schema.minLength(1)),
  value: Schema.optional(Schema.RedactedFromSelf(Schema.String)),
  fromEnv: Schema.optional(Schema.String.pipe(Schema.minLength(1))),
  fromStore: Schema.optional(Schema.String.pipe(Schema.minLength(1))),
  placeholder: Schema.optional(Schema.String),
  allowedHosts: Schema.optional(Schema.Array(Schema.String))
}).pipe(
  Schema.filter((s) =>
    [s.value, s.fromEnv, s.fromStore].filter((x) => x !== undefined).length <= 1 ||
    `secret ${s.name}: at most one of value, fromEnv and fromStore`
  )
)

/**
 * What to change. Every member is optional; sizes are MiB, counts are positive
 * integers (validated before anything crosses the boundary: `InvalidConfig` names the
 * member).
 */
export const Patch = Schema.Struct({
  /** Effective vCPUs. */
  cpus: Schema.optional(u8),
  /** Boot-time maximum vCPUs. */
  maxCpus: Schema.optional(u8),
  /** Effective memory, MiB. */
  memoryMib: Schema.optional(u32),
  /** Maximum hot-pluggable memory, MiB. */
  maxMemoryMib: Schema.optional(u32),
  /** Root disk size, MiB (managed disks grow only). */
  rootDiskSizeMib: Schema.optional(u32),
  /** Environment of future execs: set. */
  env: Schema.optional(Schema.Record({ key: EnvKey, value: Schema.String })),
  /** Environment of future execs: remove. */
  envRemove: Schema.optional(Schema.Array(Schema.String)),
  /** Labels: set. */
  labels: Schema.optional(
    Schema.Record({ key: Schema.String.pipe(Schema.minLength(1)), value: Schema.String })
  ),
  /** Labels: remove. */
  labelsRemove: Schema.optional(Schema.Array(Schema.String)),
  /** Working directory of future execs. */
  workdir: Schema.optional(Schema.String.pipe(Schema.startsWith("/"))),
  /** Secrets: add or change. */
  secrets: Schema.optional(Schema.Array(SecretPatch)),
  /** Secrets: remove by name. */
  secretsRemove: Schema.optional(Schema.Array(Schema.String))
})

/**
 * `no_restart` (default), `next_start` or `restart` (see the module docs).
 */
export const Policy = Schema.Literal("no_restart", "next_start", "restart")

/** When a change takes effect. */
export const Disposition = Schema.Literal("live", "next start", "requires restart", "unsupported")

const optionalStringField = Schema.optionalWith(Schema.String, { as: "Option" })

/**
 * A planned change of a configuration field (`cpus`, `max_cpus`, `memory`,
 * `max_memory`, `root_disk_size`, `env`, `label`, `workdir`).
 */
export class ConfigChange
  extends Schema.Class<ConfigChange>("effect-microsandbox/Modification/ConfigChange")({
    kind: Schema.Literal("config"),
    field: Schema.String,
    change: Schema.Literal("added", "updated", "removed"),
    before: optionalStringField,
    after: optionalStringField,
    disposition: Disposition,
    reason: optionalStringField
  })
{}

/**
 * A planned change of a secret (`before`/`after` are the guest-visible placeholders).
 */
export class SecretChange
  extends Schema.Class<SecretChange>("effect-microsandbox/Modification/SecretChange")({
    kind: Schema.Literal("secret"),
    field: Schema.String,
    name: Schema.String,
    change: Schema.Literal("added", "rotated", "removed", "renamed", "hosts updated", "placeholder updated"),
    beforeRef: optionalStringField.pipe(Schema.fromKey("before_ref")),
    afterRef: optionalStringField.pipe(Schema.fromKey("after_ref")),
    disposition: Disposition,
    allowHosts: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }).pipe(
      Schema.fromKey("allow_hosts")
    ),
    reason: optionalStringField
  })
{}

export const PlannedChange = Schema.Union(ConfigChange, SecretChange)

/** A conflict (the plan cannot be applied) or a warning. */
export class Note extends Schema.Class<Note>("effect-microsandbox/Modification/Note")({
  field: Schema.String,
  message: Schema.String
}) {}

/** Live CPU/memory resize progress. */
export class ResizeStatus
  extends Schema.Class<ResizeStatus>("effect-microsandbox/Modification/ResizeStatus")({
    resource: Schema.Literal("cpus", "memory"),
    requested: Schema.String,
    actual: Schema.String,
    enforced: Schema.String,
    state: Schema.Literal("accepted", "converging", "applied", "guest-refused", "failed")
  })
{}

/**
 * The runtime's modification plan (`applied` is false for a dry run).
 */
export class ModificationPlan extends Schema.Class<ModificationPlan>("effect-microsandbox/ModificationPlan")({
  sandbox: Schema.String,
  /** The sandbox status the plan was classified for. */
  status: Schema.String,
  applied: Schema.Boolean,
  policy: Policy,
  changes: Schema.Array(PlannedChange),
  conflicts: Schema.Array(Note),
  warnings: Schema.Array(Note),
  resizeStatus: Schema.optionalWith(Schema.Array(ResizeStatus), { default: () => [] }).pipe(
    Schema.fromKey("resize_status")
  )
}) {}
