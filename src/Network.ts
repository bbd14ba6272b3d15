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
import * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"
import { CString, DurationIn, IntBetween, NonEmptyCString, Port } from "./internal/validate.js"
import { ViolationAction } from "./Secret.js"

const PortRange = CString.pipe(
  Schema.filter((s) => {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(s)
    const ok = (n: string | undefined) => n === undefined || (Number(n) >= 1 && Number(n) <= 65535)
    return (m !== null && ok(m[1]) && ok(m[2]) && (m[2] === undefined || Number(m[1]) <= Number(m[2]))) ||
      `not a port or port range: ${JSON.stringify(s).slice(0, 40)}`
  })
)
const Count = IntBetween(1, Number.MAX_SAFE_INTEGER)

/**
 * @since 0.1.0
 * @category models
 */
export const Rule = Schema.Struct({
  action: Schema.Literal("allow", "deny"),
  direction: Schema.optional(Schema.Literal("egress", "ingress", "any")),
  /** `*`, a group (`public`, `loopback`, `private`, `link-local`, `metadata`, `multicast`, `host`), `.suffix`, a CIDR, an IP or a domain. */
  destination: Schema.optional(NonEmptyCString),
  protocols: Schema.optional(Schema.Array(Schema.Literal("tcp", "udp", "icmpv4", "icmpv6"))),
  /** Ports or ranges such as `443` or `"8000-9000"`. */
  ports: Schema.optional(Schema.Array(Schema.Union(Port, PortRange)))
})
/**
 * @since 0.1.0
 * @category models
 */
export type Rule = typeof Rule.Type

const Bucket = Schema.Struct({
  size: Count,
  refillTime: DurationIn("millis").pipe(
    Schema.filter((d) => Duration.toMillis(d) > 0 || "the refill time must be positive")
  ),
  oneTimeBurst: Schema.optional(IntBetween(0, Number.MAX_SAFE_INTEGER))
})
const Limiter = Schema.Struct({ bandwidth: Schema.optional(Bucket), ops: Schema.optional(Bucket) })

/**
 * @since 0.1.0
 * @category models
 */
export const NetworkConfig = Schema.Struct({
  defaultEgress: Schema.optional(Schema.Literal("allow", "deny")),
  defaultIngress: Schema.optional(Schema.Literal("allow", "deny")),
  rules: Schema.optional(Schema.Array(Rule)),
  denyDomains: Schema.optional(Schema.Array(NonEmptyCString)),
  denyDomainSuffixes: Schema.optional(Schema.Array(NonEmptyCString)),
  dns: Schema.optional(Schema.Struct({
    rebindProtection: Schema.optional(Schema.Boolean),
    nameservers: Schema.optional(Schema.Array(NonEmptyCString)),
    queryTimeout: Schema.optional(DurationIn("millis"))
  })),
  tls: Schema.optional(Schema.Struct({
    bypass: Schema.optional(Schema.Array(NonEmptyCString)),
    verifyUpstream: Schema.optional(Schema.Boolean),
    interceptedPorts: Schema.optional(Schema.Array(Port)),
    blockQuic: Schema.optional(Schema.Boolean),
    caCert: Schema.optional(NonEmptyCString),
    /** The CA's private key: `Redacted`, revealed only when the create document is written. */
    caKey: Schema.optional(Schema.RedactedFromSelf(NonEmptyCString)),
    upstreamCaCerts: Schema.optional(Schema.Array(NonEmptyCString))
  })),
  ipv4Pool: Schema.optional(NonEmptyCString),
  ipv6Pool: Schema.optional(NonEmptyCString),
  maxConnections: Schema.optional(Count),
  rateLimiter: Schema.optional(
    Schema.Struct({ egress: Schema.optional(Limiter), ingress: Schema.optional(Limiter) })
  ),
  onSecretViolation: Schema.optional(ViolationAction),
  trustHostCas: Schema.optional(Schema.Boolean)
})
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

const ms = (d: Duration.Duration) => Math.ceil(Duration.toMillis(d))

/** @internal */
export const encode = (n: NetworkConfig): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  if (n.defaultEgress !== undefined || n.defaultIngress !== undefined || n.rules !== undefined) {
    const policy: Record<string, unknown> = {}
    if (n.defaultEgress !== undefined) policy.default_egress = n.defaultEgress
    if (n.defaultIngress !== undefined) policy.default_ingress = n.defaultIngress
    if (n.rules !== undefined) policy.rules = n.rules
    out.custom_policy = policy
  }
  if (n.dns) {
    const dns: Record<string, unknown> = {}
    if (n.dns.rebindProtection !== undefined) dns.rebind_protection = n.dns.rebindProtection
    if (n.dns.nameservers) dns.nameservers = n.dns.nameservers
    if (n.dns.queryTimeout) dns.query_timeout_ms = ms(n.dns.queryTimeout)
    out.dns = dns
  }
  if (n.denyDomains?.length) out.deny_domains = n.denyDomains
  if (n.denyDomainSuffixes?.length) out.deny_domain_suffixes = n.denyDomainSuffixes
  if (n.tls) {
    const tls: Record<string, unknown> = {}
    if (n.tls.bypass) tls.bypass = n.tls.bypass
    if (n.tls.verifyUpstream !== undefined) tls.verify_upstream = n.tls.verifyUpstream
    if (n.tls.interceptedPorts) tls.intercepted_ports = n.tls.interceptedPorts
    if (n.tls.blockQuic !== undefined) tls.block_quic = n.tls.blockQuic
    if (n.tls.caCert !== undefined) tls.ca_cert = n.tls.caCert
    // Stays Redacted: revealed only when the create document is written.
    if (n.tls.caKey !== undefined) tls.ca_key = n.tls.caKey
    if (n.tls.upstreamCaCerts) tls.upstream_ca_certs = n.tls.upstreamCaCerts
    out.tls = tls
  }
  if (n.ipv4Pool !== undefined) out.ipv4_pool = n.ipv4Pool
  if (n.ipv6Pool !== undefined) out.ipv6_pool = n.ipv6Pool
  if (n.maxConnections !== undefined) out.max_connections = n.maxConnections
  if (n.rateLimiter) {
    const bucket = (b: typeof Bucket.Type) => ({
      size: b.size,
      refill_time_ms: ms(b.refillTime),
      ...(b.oneTimeBurst ? { one_time_burst: b.oneTimeBurst } : {})
    })
    const limiter = (l: typeof Limiter.Type) => ({
      ...(l.bandwidth ? { bandwidth: bucket(l.bandwidth) } : {}),
      ...(l.ops ? { ops: bucket(l.ops) } : {})
    })
    out.rate_limiter = {
      ...(n.rateLimiter.egress ? { egress: limiter(n.rateLimiter.egress) } : {}),
      ...(n.rateLimiter.ingress ? { ingress: limiter(n.rateLimiter.ingress) } : {})
    }
  }
  if (n.onSecretViolation !== undefined) out.on_secret_violation = n.onSecretViolation
  if (n.trustHostCas) out.trust_host_cas = true
  return out
}
