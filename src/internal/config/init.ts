/**
 * The Init configuration's Schemas and encoding (re-exported by the public Init module).
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import { CString, CStringRecord, GuestPath } from "../validate.js"

export const InitConfig = Schema.Struct({
  /** `"auto"` or an absolute guest path. */
  cmd: Schema.Union(Schema.Literal("auto"), GuestPath).annotations({
    message: () => "the init command must be an absolute path or \"auto\""
  }),
  args: Schema.optional(Schema.Array(CString)),
  env: Schema.optional(CStringRecord)
})
