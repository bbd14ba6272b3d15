/**
 * Secrets that never enter the VM: the guest sees a placeholder in an environment
 * variable, and the host proxy substitutes the real value only on requests to the
 * allowed hosts (docs/runtime-abi.md §6.5). Values are `Redacted`.
 *
 * @since 0.1.0
 */
import * as Redacted from "effect/Redacted"
import * as internal from "./internal/config/secret.js"

/**
 * @since 0.1.0
 * @category models
 */
export const ViolationAction: typeof internal.ViolationAction = internal.ViolationAction
/**
 * @since 0.1.0
 * @category models
 */
export type ViolationAction = typeof ViolationAction.Type

/**
 * @since 0.1.0
 * @category models
 */
export const SecretEntry: typeof internal.SecretEntry = internal.SecretEntry
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
 *
 * @since 0.1.0
 * @category models
 */
export const encode: typeof internal.encode = internal.encode
