/**
 * Secrets that never enter the VM: the guest sees a placeholder in an environment
 * variable, and the host proxy substitutes the real value only on requests to the
 * allowed hosts (docs/runtime-abi.md §6.5). Values are `Redacted`.
 *
 * @since 0.1.0
 */
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { CString, NonEmptyCString } from "./internal/validate.js"

/**
 * @since 0.1.0
 * @category models
 */
export const ViolationAction = Schema.Literal("block", "block-and-log", "block-and-terminate")
/**
 * @since 0.1.0
 * @category models
 */
export type ViolationAction = typeof ViolationAction.Type

/**
 * @since 0.1.0
 * @category models
 */
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
/**
 * @since 0.1.0
 * @category models
 */
export type SecretEntry = typeof SecretEntry.Type

/**
 * A secret exposed to the guest through `envVar`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const env = (
  envVar: string,
  value: string | Redacted.Redacted<string>,
  options: {
    readonly allowHosts?: ReadonlyArray<string>
    readonly allowHostPatterns?: ReadonlyArray<string>
    readonly placeholder?: string
    readonly requireTls?: boolean
    readonly onViolation?: ViolationAction
  }
): SecretEntry => ({
  envVar,
  value: Redacted.isRedacted(value) ? value : Redacted.make(value),
  ...options
})

/**
 * The runtime's document for a secret. The value stays `Redacted` (it is revealed
 * only when the create document is written).
 *
 * @internal
 */
export const encode = (s: SecretEntry): Record<string, unknown> => {
  const out: Record<string, unknown> = { env_var: s.envVar, value: s.value }
  if (s.allowHosts?.length) out.allow_hosts = s.allowHosts
  if (s.allowHostPatterns?.length) out.allow_host_patterns = s.allowHostPatterns
  if (s.placeholder !== undefined) out.placeholder = s.placeholder
  if (s.requireTls !== undefined) out.require_tls = s.requireTls
  if (s.onViolation !== undefined) out.on_violation = s.onViolation
  return out
}
