/**
 * Volumes mounted into the guest, keyed by guest path (docs/runtime-abi.md §6.3).
 *
 * @example
 * ```ts
 * import { Mount, SandboxConfig } from "effect-microsandbox"
 *
 * const mounts = SandboxConfig.mounts({
 *   "/data": Mount.bind("/srv/data", { readonly: true }),
 *   "/scratch": Mount.tmpfs({ sizeMib: 256 })
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { NonEmptyCString, U32Positive } from "./internal/validate.js"

const flags = {
  readonly: Schema.optional(Schema.Boolean),
  noexec: Schema.optional(Schema.Boolean),
  nosuid: Schema.optional(Schema.Boolean),
  nodev: Schema.optional(Schema.Boolean)
}
const hostAccess = {
  statVirtualization: Schema.optional(Schema.Literal("strict", "relaxed", "off")),
  hostPermissions: Schema.optional(Schema.Literal("private", "mirror"))
}

/**
 * @since 0.1.0
 * @category models
 */
export const MountConfig = Schema.Union(
  Schema.TaggedStruct("bind", {
    hostPath: NonEmptyCString,
    quotaMib: Schema.optional(U32Positive),
    ...flags,
    ...hostAccess
  }),
  Schema.TaggedStruct("named", {
    name: NonEmptyCString,
    mode: Schema.optional(Schema.Literal("existing", "create", "ensure-exists")),
    kind: Schema.optional(Schema.Literal("dir", "disk")),
    sizeMib: Schema.optional(U32Positive),
    quotaMib: Schema.optional(U32Positive),
    ...flags,
    ...hostAccess
  }),
  Schema.TaggedStruct("tmpfs", { sizeMib: Schema.optional(U32Positive), ...flags }),
  Schema.TaggedStruct("disk", {
    hostPath: NonEmptyCString,
    format: Schema.optional(Schema.Literal("raw", "qcow2", "vmdk")),
    fstype: Schema.optional(NonEmptyCString),
    ...flags
  })
)

/**
 * @since 0.1.0
 * @category models
 */
export type MountConfig = typeof MountConfig.Type

/**
 * Mount flags.
 *
 * @since 0.1.0
 * @category models
 */
export interface MountFlags {
  readonly readonly?: boolean
  readonly noexec?: boolean
  readonly nosuid?: boolean
  readonly nodev?: boolean
}

/**
 * A host directory.
 *
 * @since 0.1.0
 * @category constructors
 */
export const bind = (
  hostPath: string,
  options: MountFlags & {
    readonly quotaMib?: number
    readonly statVirtualization?: "strict" | "relaxed" | "off"
    readonly hostPermissions?: "private" | "mirror"
  } = {}
): MountConfig => ({ _tag: "bind", hostPath, ...options })

/**
 * A named volume, by name or as a `Volume` value (must exist unless `mode` says
 * otherwise). @since 0.1.0
 * @since 0.1.0
 * @category constructors
 */
export const named = (
  volume: string | { readonly name: string },
  options: MountFlags & {
    readonly mode?: "existing" | "create" | "ensure-exists"
    readonly kind?: "dir" | "disk"
    readonly sizeMib?: number
    readonly quotaMib?: number
  } = {}
): MountConfig => ({
  _tag: "named",
  // A value outside the types (from JavaScript) is kept for the Schema to refuse.
  name: typeof volume === "object" && volume !== null && "name" in volume ? volume.name : volume as string,
  ...options
})

/**
 * An in-memory filesystem.
 *
 * @since 0.1.0
 * @category constructors
 */
export const tmpfs = (options: MountFlags & { readonly sizeMib?: number } = {}): MountConfig => ({
  _tag: "tmpfs",
  ...options
})

/**
 * A host disk-image file.
 *
 * @since 0.1.0
 * @category constructors
 */
export const disk = (
  hostPath: string,
  options: MountFlags & { readonly format?: "raw" | "qcow2" | "vmdk"; readonly fstype?: string } = {}
): MountConfig => ({ _tag: "disk", hostPath, ...options })

/** @internal */
export const encode = (m: MountConfig): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  switch (m._tag) {
    case "bind":
      out.bind = m.hostPath
      if (m.quotaMib !== undefined) out.quota_mib = m.quotaMib
      break
    case "named":
      out.named = m.name
      if (m.mode !== undefined) out.named_mode = m.mode
      if (m.kind !== undefined) out.named_kind = m.kind
      if (m.sizeMib !== undefined) out.size_mib = m.sizeMib
      if (m.quotaMib !== undefined) out.quota_mib = m.quotaMib
      break
    case "tmpfs":
      out.tmpfs = true
      if (m.sizeMib !== undefined) out.size_mib = m.sizeMib
      break
    case "disk":
      out.disk = m.hostPath
      if (m.format !== undefined) out.format = m.format
      if (m.fstype !== undefined) out.fstype = m.fstype
      break
  }
  for (const flag of ["readonly", "noexec", "nosuid", "nodev"] as const) if (m[flag]) out[flag] = true
  if ((m._tag === "bind" || m._tag === "named") && m.statVirtualization) {
    out.stat_virtualization = m.statVirtualization
  }
  if ((m._tag === "bind" || m._tag === "named") && m.hostPermissions) out.host_permissions = m.hostPermissions
  return out
}
