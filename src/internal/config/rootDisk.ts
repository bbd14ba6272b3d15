/**
 * The RootDisk configuration's Schemas and encoding (re-exported by the public RootDisk module).
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import { NonEmptyCString, U32Positive } from "../validate.js"

export const RootDiskConfig = Schema.Union(
  Schema.TaggedStruct("managed", { sizeMib: Schema.optional(U32Positive) }),
  Schema.TaggedStruct("tmpfs", { sizeMib: Schema.optional(U32Positive) }),
  Schema.TaggedStruct("disk-image", {
    path: NonEmptyCString,
    format: Schema.optional(Schema.Literal("raw", "qcow2")),
    fstype: Schema.optional(NonEmptyCString)
  }),
  Schema.TaggedStruct("flat", {
    sizeMib: Schema.optional(U32Positive),
    fstype: Schema.optional(NonEmptyCString),
    clone: Schema.optional(Schema.Literal("auto", "copy", "reflink"))
  })
)

export const encode = (d: typeof RootDiskConfig.Type): Record<string, unknown> => {
  const out: Record<string, unknown> = { kind: d._tag }
  if (d._tag === "disk-image") {
    out.path = d.path
    if (d.format !== undefined) out.format = d.format
    if (d.fstype !== undefined) out.fstype = d.fstype
    return out
  }
  if (d.sizeMib !== undefined) out.size_mib = d.sizeMib
  if (d._tag === "flat") {
    if (d.fstype !== undefined) out.fstype = d.fstype
    if (d.clone !== undefined) out.clone = d.clone
  }
  return out
}
