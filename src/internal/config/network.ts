/**
 * The Network configuration's Schemas and encoding (re-exported by the public Network module).
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"
import { onFirstUse } from "../compiled.js"
import { CString, DurationIn, IntBetween, NonEmptyCString, Port } from "../validate.js"
import * as W from "../wireCodec.js"
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

const BucketWire = Schema.Struct({
  size: Schema.Number,
  refillTime: W.field("refill_time_ms", W.MillisCeil),
  oneTimeBurst: W.optionalKey("one_time_burst", Schema.Number, (n) => n !== 0)
})
const LimiterWire = Schema.Struct({ bandwidth: W.optional(BucketWire), ops: W.optional(BucketWire) })
const Strings = Schema.Array(Schema.String)

/** The `network` member of the create document (the policy members grouped under `custom_policy`). */
const NetworkWire = Schema.Struct({
  customPolicy: W.optionalKey(
    "custom_policy",
    Schema.Struct({
      defaultEgress: W.optionalKey("default_egress", Schema.String),
      defaultIngress: W.optionalKey("default_ingress", Schema.String),
      rules: W.optional(Schema.typeSchema(Schema.Array(Rule)))
    })
  ),
  dns: W.optional(Schema.Struct({
    rebindProtection: W.optionalKey("rebind_protection", Schema.Boolean),
    nameservers: W.optional(Strings),
    queryTimeout: W.optionalKey("query_timeout_ms", W.MillisCeil)
  })),
  denyDomains: W.optionalKey("deny_domains", Strings, W.nonEmptyArray),
  denyDomainSuffixes: W.optionalKey("deny_domain_suffixes", Strings, W.nonEmptyArray),
  tls: W.optional(Schema.Struct({
    bypass: W.optional(Strings),
    verifyUpstream: W.optionalKey("verify_upstream", Schema.Boolean),
    interceptedPorts: W.optionalKey("intercepted_ports", Schema.Array(Schema.Number)),
    blockQuic: W.optionalKey("block_quic", Schema.Boolean),
    caCert: W.optionalKey("ca_cert", Schema.String),
    // Stays Redacted: revealed only when the create document is written.
    caKey: W.optionalKey("ca_key", Schema.RedactedFromSelf(Schema.String)),
    upstreamCaCerts: W.optionalKey("upstream_ca_certs", Strings)
  })),
  ipv4Pool: W.optionalKey("ipv4_pool", Schema.String),
  ipv6Pool: W.optionalKey("ipv6_pool", Schema.String),
  maxConnections: W.optionalKey("max_connections", Schema.Number),
  rateLimiter: W.optionalKey(
    "rate_limiter",
    Schema.Struct({ egress: W.optional(LimiterWire), ingress: W.optional(LimiterWire) })
  ),
  onSecretViolation: W.optionalKey("on_secret_violation", Schema.String),
  trustHostCas: W.flagKey("trust_host_cas")
})

/** A `NetworkConfig` as the `network` member of the create document. */
export const NetworkJson = Schema.transform(NetworkWire, Schema.typeSchema(NetworkConfig), {
  strict: false,
  decode: ({ customPolicy, ...rest }) => ({ ...rest, ...customPolicy }),
  encode: ({ defaultEgress, defaultIngress, rules, ...rest }) =>
    defaultEgress !== undefined || defaultIngress !== undefined || rules !== undefined
      ? { ...rest, customPolicy: { defaultEgress, defaultIngress, rules } }
      : rest
})
const encodeWire = onFirstUse(() => Schema.encodeSync(NetworkJson))

export const encode = (n: typeof NetworkConfig.Type): Record<string, unknown> => encodeWire(n)
