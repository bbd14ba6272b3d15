/**
 * The Mount configuration's Schemas and encoding (re-exported by the public Mount module).
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import { NonEmptyCString, U32Positive } from "../validate.js"

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

export const encode = (m: typeof MountConfig.Type): Record<string, unknown> => {
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
