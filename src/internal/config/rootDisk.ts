/**
 * The RootDisk configuration's Schemas and encoding (re-exported by the public RootDisk module).
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import { onFirstUse } from "../compiled.js"
import { NonEmptyCString, U32Positive } from "../validate.js"
import * as W from "../wireCodec.js"

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

const kind = <Tag extends string>(tag: Tag) => W.field("kind", Schema.Literal(tag))
const sizeMib = W.optionalKey("size_mib", Schema.Number)

/** The `root_disk` member of the create document (the kind under `kind`). */
export const RootDiskWire = Schema.Union(
  Schema.Struct({ _tag: kind("managed"), sizeMib }),
  Schema.Struct({ _tag: kind("tmpfs"), sizeMib }),
  Schema.Struct({
    _tag: kind("disk-image"),
    path: Schema.String,
    format: W.optional(Schema.String),
    fstype: W.optional(Schema.String)
  }),
  Schema.Struct({
    _tag: kind("flat"),
    sizeMib,
    fstype: W.optional(Schema.String),
    clone: W.optional(Schema.String)
  })
)
const encodeWire = onFirstUse(() => Schema.encodeSync(RootDiskWire))

export const encode = (d: typeof RootDiskConfig.Type): Record<string, unknown> => encodeWire(d)
