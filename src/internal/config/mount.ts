/**
 * The Mount configuration's Schemas and encoding (re-exported by the public Mount module).
 *
 * @internal
 */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { onFirstUse } from "../compiled.js"
import { NonEmptyCString, U32Positive } from "../validate.js"
import * as W from "../wireCodec.js"

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

const wireFlags = {
  readonly: W.flagKey("readonly"),
  noexec: W.flagKey("noexec"),
  nosuid: W.flagKey("nosuid"),
  nodev: W.flagKey("nodev")
}
const wireHostAccess = {
  statVirtualization: W.optionalKey("stat_virtualization", Schema.String),
  hostPermissions: W.optionalKey("host_permissions", Schema.String)
}
/** The kind, which the document carries as the key of the mount's source instead. */
const implied = <Tag extends string>(tag: Tag) =>
  Schema.optionalToRequired(Schema.Never, Schema.Literal(tag), {
    decode: () => tag,
    encode: () => Option.none()
  })
const Str = Schema.String
const Mib = Schema.Number

/** A `volumes` entry of the create document: the source under the key naming its kind. */
export const MountWire = Schema.Union(
  Schema.Struct({
    _tag: implied("bind"),
    hostPath: W.field("bind", Str),
    quotaMib: W.optionalKey("quota_mib", Mib),
    ...wireFlags,
    ...wireHostAccess
  }),
  Schema.Struct({
    _tag: implied("named"),
    name: W.field("named", Str),
    mode: W.optionalKey("named_mode", Str),
    kind: W.optionalKey("named_kind", Str),
    sizeMib: W.optionalKey("size_mib", Mib),
    quotaMib: W.optionalKey("quota_mib", Mib),
    ...wireFlags,
    ...wireHostAccess
  }),
  Schema.Struct({
    _tag: W.field("tmpfs", Schema.transformLiteral(true, "tmpfs")),
    sizeMib: W.optionalKey("size_mib", Mib),
    ...wireFlags
  }),
  Schema.Struct({
    _tag: implied("disk"),
    hostPath: W.field("disk", Str),
    format: W.optional(Str),
    fstype: W.optional(Str),
    ...wireFlags
  })
)
const encodeWire = onFirstUse(() => Schema.encodeSync(MountWire))

export const encode = (m: typeof MountConfig.Type): Record<string, unknown> => encodeWire(m)
