/**
 * The Secret configuration's Schemas and encoding (re-exported by the public Secret module).
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import { onFirstUse } from "../compiled.js"
import { CString, NonEmptyCString } from "../validate.js"
import * as W from "../wireCodec.js"

export const ViolationAction = Schema.Literal("block", "block-and-log", "block-and-terminate")

export const SecretEntry = Schema.Struct({
  envVar: NonEmptyCString,
  value: Schema.RedactedFromSelf(CString),
  allowHosts: Schema.optional(Schema.Array(NonEmptyCString)),
  allowHostPatterns: Schema.optional(Schema.Array(NonEmptyCString)),
  placeholder: Schema.optional(CString),
  requireTls: Schema.optional(Schema.Boolean),
  onViolation: Schema.optional(ViolationAction)
}).pipe(
  Schema.filter((s) =>
    (s.allowHosts?.length ?? 0) + (s.allowHostPatterns?.length ?? 0) > 0 ||
    `secret ${s.envVar} needs at least one allowed host`
  )
)

const Strings = Schema.Array(Schema.String)

/** A `secrets` entry of the create document; the value stays `Redacted` until the document is written. */
export const SecretWire = Schema.Struct({
  envVar: W.field("env_var", Schema.String),
  value: Schema.RedactedFromSelf(Schema.String),
  allowHosts: W.optionalKey("allow_hosts", Strings, W.nonEmptyArray),
  allowHostPatterns: W.optionalKey("allow_host_patterns", Strings, W.nonEmptyArray),
  placeholder: W.optional(Schema.String),
  requireTls: W.optionalKey("require_tls", Schema.Boolean),
  onViolation: W.optionalKey("on_violation", Schema.String)
})
const encodeWire = onFirstUse(() => Schema.encodeSync(SecretWire))

export const encode = (s: typeof SecretEntry.Type): Record<string, unknown> => encodeWire(s)
