/**
 * The Secret configuration's Schemas and encoding (re-exported by the public Secret module).
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import { CString, NonEmptyCString } from "../validate.js"

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

export const encode = (s: typeof SecretEntry.Type): Record<string, unknown> => {
  const out: Record<string, unknown> = { env_var: s.envVar, value: s.value }
  if (s.allowHosts?.length) out.allow_hosts = s.allowHosts
  if (s.allowHostPatterns?.length) out.allow_host_patterns = s.allowHostPatterns
  if (s.placeholder !== undefined) out.placeholder = s.placeholder
  if (s.requireTls !== undefined) out.require_tls = s.requireTls
  if (s.onViolation !== undefined) out.on_violation = s.onViolation
  return out
}
