/**
 * Encoding a configuration: the create-options document the runtime reads
 * (docs/runtime-abi.md §6).
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { SandboxConfig } from "../../SandboxConfig.js"
import { onFirstUse } from "../compiled.js"
import { InvalidConfig } from "../errorModel.js"
import * as W from "../wireCodec.js"
import * as Mount from "./mount.js"
import * as Network from "./network.js"
import * as RootDisk from "./rootDisk.js"
import * as Secret from "./secret.js"

const Str = Schema.String
const Num = Schema.Number
const Strings = Schema.Array(Str)
const StringMap = Schema.Record({ key: Str, value: Str })
const NumberMap = Schema.Record({ key: Str, value: Num })
/** A map written as a list of `[key, value]` pairs. */
const EntriesFromMap = Schema.transform(Schema.Array(Schema.Tuple(Str, Str)), StringMap, {
  strict: true,
  decode: (entries) => Object.fromEntries(entries),
  encode: (map) => Object.entries(map)
})
const nonEmpty = (s: string) => s.length > 0

const PortBindingWire = Schema.Struct({
  bind: W.optional(Str, nonEmpty),
  hostPort: W.field("host_port", Num),
  guestPort: W.field("guest_port", Num),
  protocol: W.optional(Str, nonEmpty)
})
const VsockWire = Schema.Struct({
  hostSocket: W.field("host_socket", Str),
  port: Num,
  socketType: W.optionalKey("socket_type", Str, nonEmpty)
})
const InitWire = Schema.Struct({ cmd: Str, args: W.optional(Strings), env: W.optional(EntriesFromMap) })
/** A patch: its kind under `kind`, its other members as they are. */
const PatchWire = Schema.Struct(
  { _tag: W.field("kind", Str) },
  Schema.Record({ key: Str, value: Schema.Unknown })
)

/**
 * The create-options document (zero values omitted, durations rounded up to the
 * runtime's units). Secrets (registry password, secret values, the TLS CA key) stay
 * `Redacted` in it.
 */
const CreateWire = Schema.Struct({
  image: W.optional(Str),
  imageFstype: W.optionalKey("image_fstype", Str),
  imageBind: W.optionalKey("image_bind", Str),
  rootDisk: W.optionalKey("root_disk", RootDisk.RootDiskWire),
  snapshot: W.optional(Str),
  memoryMib: W.optionalKey("memory_mib", Num),
  cpus: W.optional(Num),
  maxMemoryMib: W.optionalKey("max_memory_mib", Num),
  maxCpus: W.optionalKey("max_cpus", Num),
  cpuPlacement: W.optionalKey("cpu_placement", Str),
  placementProfile: W.optionalKey("placement_profile", Str),
  thp: W.optional(Str),
  workdir: W.optional(Str),
  shell: W.optional(Str),
  securityProfile: W.optionalKey("security_profile", Str),
  deploymentProfile: W.optionalKey("deployment_profile", Str),
  env: W.optional(StringMap, W.nonEmptyRecord),
  labels: W.optional(StringMap, W.nonEmptyRecord),
  hostname: W.optional(Str),
  user: W.optional(Str),
  replace: W.flagKey("replace"),
  replaceTimeout: W.optionalKey("replace_with_timeout_ms", W.MillisCeil),
  detached: W.flagKey("detached"),
  ephemeral: W.flagKey("ephemeral"),
  entrypoint: W.optional(Strings),
  cmd: W.optional(Strings),
  init: W.optional(InitWire),
  logLevel: W.optionalKey("log_level", Str),
  quietLogs: W.flagKey("quiet_logs"),
  scripts: W.optional(StringMap, W.nonEmptyRecord),
  pullPolicy: W.optionalKey("pull_policy", Str),
  maxDuration: W.optionalKey("max_duration_secs", W.SecondsCeil, W.isPositive),
  idleTimeout: W.optionalKey("idle_timeout_secs", W.SecondsCeil, W.isPositive),
  registryAuth: W.optionalKey(
    "registry_auth",
    Schema.Struct({ username: Str, password: Schema.RedactedFromSelf(Str) })
  ),
  registryInsecure: W.flagKey("registry_insecure"),
  registryCaCerts: W.optionalKey("registry_ca_certs", Strings, W.nonEmptyArray),
  ports: W.optional(NumberMap, W.nonEmptyRecord),
  portsUdp: W.optionalKey("ports_udp", NumberMap, W.nonEmptyRecord),
  portBindings: W.optionalKey("port_bindings", Schema.Array(PortBindingWire), W.nonEmptyArray),
  vsock: W.optional(Schema.Array(VsockWire), W.nonEmptyArray),
  network: W.optional(Network.NetworkJson),
  secrets: W.optional(Schema.Array(Secret.SecretWire), W.nonEmptyArray),
  patches: W.optional(Schema.Array(PatchWire), W.nonEmptyArray),
  mounts: W.optionalKey("volumes", Schema.Record({ key: Str, value: Mount.MountWire }), W.nonEmptyRecord)
})
const encodeWire = onFirstUse(() => Schema.encodeEither(CreateWire))

/** What the Schema encodes: the two rules that are not a member's own. */
const prepare = (c: SandboxConfig): SandboxConfig => ({
  ...c,
  // The managed root disk's size may also be given on its own.
  rootDisk: c.rootDisk ??
    (c.ociUpperSizeMib !== undefined ? { _tag: "managed", sizeMib: c.ociUpperSizeMib } : undefined),
  // A replace timeout implies replacing.
  replace: c.replace === true || c.replaceTimeout !== undefined
})

/**
 * The create-options document the runtime expects (zero values omitted, durations
 * rounded up). Secrets (registry password, secret values, the TLS CA key) stay
 * `Redacted` in it: they are revealed only when the library writes the document for
 * the native call. A configuration that was never validated may hold what the
 * document cannot carry (a negative duration, a member of the wrong type from
 * JavaScript): `InvalidConfig` naming the member.
 */
export const encode = (c: SandboxConfig): Either.Either<Record<string, unknown>, InvalidConfig> =>
  Either.mapLeft(encodeWire(prepare(c)), (error) => {
    const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
    const field = issue?.path.map(String).join(".") ?? ""
    return new InvalidConfig({
      message: `invalid config: ${field}: ${issue?.message ?? "cannot be encoded"}`,
      operation: "SandboxConfig.encode",
      field
    })
  })

/**
 * The create document as the runtime reads it: the one place where secrets
 * (`Redacted` in the public encoding) are revealed.
 */
export const createDocument = (config: SandboxConfig): Either.Either<string, InvalidConfig> =>
  Either.map(encode(config), (document) =>
    JSON.stringify(
      document,
      // `toJSON` has already turned a Redacted into "<redacted>": read the holder instead.
      function(this: Record<string, unknown>, key: string, value: unknown) {
        const raw = this[key]
        return Redacted.isRedacted(raw) ? Redacted.value(raw) : value
      }
    ))
