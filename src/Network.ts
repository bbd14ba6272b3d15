/**
 * The sandbox's network: egress/ingress policy, DNS filtering, TLS interception,
 * published ports and limits (docs/runtime-abi.md §6.4).
 *
 * @example
 * ```ts
 * import { Network, SandboxConfig } from "effect-microsandbox"
 *
 * const publicOnly = SandboxConfig.network(Network.fromProfiles("public"))
 * const offline = SandboxConfig.network(Network.none())
 * ```
 *
 * @since 0.1.0
 */
import * as internal from "./internal/config/network.js"

/**
 * @since 0.1.0
 * @category models
 */
export const Rule: typeof internal.Rule = internal.Rule
/**
 * @since 0.1.0
 * @category models
 */
export type Rule = typeof Rule.Type

/**
 * @since 0.1.0
 * @category models
 */
export const NetworkConfig: typeof internal.NetworkConfig = internal.NetworkConfig
/**
 * @since 0.1.0
 * @category models
 */
export type NetworkConfig = typeof NetworkConfig.Type

/**
 * Profiles for `fromProfiles`.
 *
 * @since 0.1.0
 * @category models
 */
export type Profile = "public" | "private" | "host"

/**
 * An allow rule.
 *
 * @since 0.1.0
 * @category constructors
 */
export const allow = (rule: Omit<Rule, "action"> = {}): Rule => ({ action: "allow", ...rule })
/**
 * A deny rule.
 *
 * @since 0.1.0
 * @category constructors
 */
export const deny = (rule: Omit<Rule, "action"> = {}): Rule => ({ action: "deny", ...rule })
/**
 * DNS to the host resolver (udp + tcp port 53).
 *
 * @since 0.1.0
 * @category constructors
 */
export const allowDns = (): Rule =>
  allow({ direction: "egress", destination: "host", protocols: ["udp", "tcp"], ports: [53] })

/**
 * No traffic in either direction.
 *
 * @since 0.1.0
 * @category constructors
 */
export const none = (): NetworkConfig => ({ defaultEgress: "deny", defaultIngress: "deny" })

/**
 * All traffic in both directions.
 *
 * @since 0.1.0
 * @category constructors
 */
export const allowAll = (): NetworkConfig => ({ defaultEgress: "allow", defaultIngress: "allow" })

/**
 * Egress denied except DNS and the named destination groups; ingress allowed.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromProfiles = (...profiles: ReadonlyArray<Profile>): NetworkConfig => ({
  defaultEgress: "deny",
  defaultIngress: "allow",
  rules: [
    allowDns(),
    ...(["public", "private", "host"] as const).filter((p) => profiles.includes(p)).map((destination) =>
      allow({ direction: "egress", destination })
    )
  ]
})

/**
 * @internal
 *
 * @since 0.1.0
 * @category models
 */
export const encode: typeof internal.encode = internal.encode
