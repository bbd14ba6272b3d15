/**
 * The Patch configuration's Schemas and encoding (re-exported by the public Patch module).
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import { CString, GuestPath, IntBetween, NonEmptyCString } from "../validate.js"

const Mode = IntBetween(0, 0o7777)

export const PatchConfig = Schema.Union(
  Schema.TaggedStruct("text", {
    path: GuestPath,
    content: CString,
    mode: Schema.optional(Mode),
    replace: Schema.optional(Schema.Boolean)
  }),
  Schema.TaggedStruct("append", { path: GuestPath, content: CString }),
  Schema.TaggedStruct("mkdir", { path: GuestPath, mode: Schema.optional(Mode) }),
  Schema.TaggedStruct("remove", { path: GuestPath }),
  Schema.TaggedStruct("symlink", {
    target: NonEmptyCString,
    link: GuestPath,
    replace: Schema.optional(Schema.Boolean)
  }),
  Schema.TaggedStruct("copy_file", {
    src: NonEmptyCString,
    dst: GuestPath,
    mode: Schema.optional(Mode),
    replace: Schema.optional(Schema.Boolean)
  }),
  Schema.TaggedStruct("copy_dir", {
    src: NonEmptyCString,
    dst: GuestPath,
    replace: Schema.optional(Schema.Boolean)
  })
)
