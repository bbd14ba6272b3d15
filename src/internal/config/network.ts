/**
 * The Network configuration's Schemas and encoding (re-exported by the public Network module).
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"
import { CString, DurationIn, IntBetween, NonEmptyCString, Port } from "../validate.js"
import { ViolationAction } from "./secret.js"

const PortRange = CString.pipe(
  Schema.filter((s) => {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(s)
    const ok = (n: string | undefined) => n === undefined || (Number(n) >= 1 && Number(n) <= 65535)
    return (m !== null && ok(m[1]) && ok(m[2]) && (m[2] === undefined || Number(m[1]) <= Number(m[2]))) ||
      `not a port or port range: ${JSON.stringify(s).slice(0, 40)}`
  })
)
const Count = IntBetween(1, Number.MAX_SAFE_INTEGER)

export const Rule = Schema.Struct({
  action: Schema.Literal("allow", "deny"),
  direction: Schema.optional(Schema.Literal("egress", "ingress", "any")),
  /** `*`, a group (`public`, `loopback`, `private`, `link-local`, `metadata`, `multicast`, `host`), `.suffix`, a CIDR, an IP or a domain. */
  destination: Schema.optional(NonEmptyCString),
  protocols: Schema.optional(Schema.Array(Schema.Literal("tcp", "udp", "icmpv4", "icmpv6"))),
  /** Ports or ranges such as `443` or `"8000-9000"`. */
  ports: Schema.optional(Schema.Array(Schema.Union(Port, PortRange)))
})

const Bucket = Schema.Struct({
  size: Count,
  refillTime: DurationIn("millis").pipe(
    Schema.filter((d) => Duration.toMillis(d) > 0 || "the refill time must be positive")
  ),
  oneTimeBurst: Schema.optional(IntBetween(0, Number.MAX_SAFE_INTEGER))
})
const Limiter = Schema.Struct({ bandwidth: Schema.optional(Bucket), ops: Schema.optional(Bucket) })

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

const ms = (d: Duration.Duration) => Math.ceil(Duration.toMillis(d))

export const encode = (n: typeof NetworkConfig.Type): Record<string, unknown> => {
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
