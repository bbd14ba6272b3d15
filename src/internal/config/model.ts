/**
 * The `SandboxConfig` model: every create option as a Schema, with the rules between
 * members (re-exported by the public SandboxConfig module; validation and the persisted
 * form decode through it).
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import {
  CString,
  CStringRecord,
  DurationIn,
  GuestPath,
  ImageSource,
  IntBetween,
  IpAddress,
  isLocalPath,
  NonEmptyCString,
  Port,
  show,
  U32Positive
} from "../validate.js"
import { InitConfig } from "./init.js"
import * as Mount from "./mount.js"
import * as Network from "./network.js"
import * as Patch from "./patch.js"
import * as RootDisk from "./rootDisk.js"
import * as Secret from "./secret.js"

// ------------------------------------------------------------------ enums

export const PullPolicy = Schema.Literal("always", "if-missing", "never")
export type PullPolicy = typeof PullPolicy.Type
export const LogLevel = Schema.Literal("trace", "debug", "info", "warn", "error")
export type LogLevel = typeof LogLevel.Type
export const SecurityProfile = Schema.Literal("default", "restricted")
export type SecurityProfile = typeof SecurityProfile.Type
export const DeploymentProfile = Schema.Literal("single-tenant", "multi-tenant")
export type DeploymentProfile = typeof DeploymentProfile.Type
export const CpuPlacement = Schema.Literal("inherit", "auto", "spread", "compact")
export type CpuPlacement = typeof CpuPlacement.Type
export const ThpPolicy = Schema.Literal("always", "madvise", "never")
export type ThpPolicy = typeof ThpPolicy.Type

/**
 * What releasing a sandbox's Scope does to it: `stop` (graceful window, then kill),
 * `kill`, or `detach` (the VM keeps running). Default: `detach` for detached
 * sandboxes, `stop` otherwise.
 */
export const ReleasePolicy = Schema.Literal("stop", "kill", "detach")
export type ReleasePolicy = typeof ReleasePolicy.Type

export const PortBinding = Schema.Struct({
  hostPort: Port,
  guestPort: Port,
  /** Host address to bind, an IPv4 or IPv6 address (default 127.0.0.1). */
  bind: Schema.optional(IpAddress),
  protocol: Schema.optional(Schema.Literal("tcp", "udp"))
})
export type PortBinding = typeof PortBinding.Type

export const VsockRoute = Schema.Struct({
  hostSocket: NonEmptyCString,
  port: IntBetween(0, 0xffffffff),
  socketType: Schema.optional(Schema.Literal("stream", "dgram"))
})
export type VsockRoute = typeof VsockRoute.Type

export const RegistryAuth = Schema.Struct({
  username: NonEmptyCString,
  password: Schema.RedactedFromSelf(CString)
})
export type RegistryAuth = typeof RegistryAuth.Type

const RESERVED_LABEL_PREFIXES = ["sandbox.", "microsandbox.", "service."]
const LabelKey = NonEmptyCString.pipe(
  Schema.filter((key) => {
    const prefix = RESERVED_LABEL_PREFIXES.find((p) => key.startsWith(p))
    return prefix === undefined || `label ${show(key)} uses the reserved prefix ${JSON.stringify(prefix)}`
  })
)
const EnvName = NonEmptyCString.pipe(
  Schema.filter((key) =>
    key.includes("=")
      ? `invalid environment variable name ${show(key)}`
      : key.startsWith("MSB_")
      ? `environment variables starting with MSB_ are reserved: ${show(key)}`
      : true
  )
)
/** Host port → guest port; keys are decimal host ports. */
const PortMap = Schema.Record({
  key: Schema.String.pipe(
    Schema.filter((k) =>
      (/^\d{1,5}$/.test(k) && Number(k) >= 1 && Number(k) <= 65535) ||
      `host port ${show(k)} is out of range 1-65535`
    )
  ),
  value: Port
})
const Mib = U32Positive
const Cpus = IntBetween(1, 255)

// ------------------------------------------------------------------ the model

export const isDiskImagePath = (s: string) => /\.(qcow2|raw|vmdk)$/.test(s)
type Fields = Schema.Struct.Type<typeof fields>

/**
 * Each member with the values the runtime accepts (runtime-abi.md §6.1): sizes and
 * counts are integers in the runtime's ranges, durations are finite and fit the
 * runtime's whole milliseconds or seconds, ports are 1–65535, addresses are IPs,
 * guest paths are absolute, and no string carries a NUL byte or a lone surrogate.
 */
const fields = {
  /** An OCI image reference (`alpine`, `python:3.12`, `ghcr.io/o/app@sha256:…`), or a local rootfs folder or disk image (a path starting with `/`, `./` or `../`). */
  image: Schema.optional(ImageSource),
  imageFstype: Schema.optional(NonEmptyCString),
  imageBind: Schema.optional(NonEmptyCString),
  rootDisk: Schema.optional(RootDisk.RootDiskConfig),
  ociUpperSizeMib: Schema.optional(Mib),
  snapshot: Schema.optional(NonEmptyCString),
  memoryMib: Schema.optional(Mib),
  cpus: Schema.optional(Cpus),
  maxMemoryMib: Schema.optional(Mib),
  maxCpus: Schema.optional(Cpus),
  cpuPlacement: Schema.optional(CpuPlacement),
  placementProfile: Schema.optional(NonEmptyCString),
  thp: Schema.optional(ThpPolicy),
  workdir: Schema.optional(GuestPath),
  shell: Schema.optional(GuestPath),
  securityProfile: Schema.optional(SecurityProfile),
  deploymentProfile: Schema.optional(DeploymentProfile),
  env: Schema.optional(Schema.Record({ key: EnvName, value: CString })),
  labels: Schema.optional(Schema.Record({ key: LabelKey, value: CString })),
  hostname: Schema.optional(NonEmptyCString),
  user: Schema.optional(NonEmptyCString),
  replace: Schema.optional(Schema.Boolean),
  /** Sent in whole milliseconds (rounded up). */
  replaceTimeout: Schema.optional(DurationIn("millis")),
  detached: Schema.optional(Schema.Boolean),
  ephemeral: Schema.optional(Schema.Boolean),
  entrypoint: Schema.optional(Schema.Array(CString)),
  cmd: Schema.optional(Schema.Array(CString)),
  init: Schema.optional(InitConfig),
  logLevel: Schema.optional(LogLevel),
  quietLogs: Schema.optional(Schema.Boolean),
  scripts: Schema.optional(CStringRecord),
  pullPolicy: Schema.optional(PullPolicy),
  /** Sent in whole seconds (rounded up); zero means no limit. */
  maxDuration: Schema.optional(DurationIn("seconds")),
  /** Sent in whole seconds (rounded up); zero means no limit. */
  idleTimeout: Schema.optional(DurationIn("seconds")),
  registryAuth: Schema.optional(RegistryAuth),
  registryInsecure: Schema.optional(Schema.Boolean),
  registryCaCerts: Schema.optional(Schema.Array(NonEmptyCString)),
  ports: Schema.optional(PortMap),
  portsUdp: Schema.optional(PortMap),
  portBindings: Schema.optional(Schema.Array(PortBinding)),
  vsock: Schema.optional(Schema.Array(VsockRoute)),
  network: Schema.optional(Network.NetworkConfig),
  secrets: Schema.optional(Schema.Array(Secret.SecretEntry)),
  patches: Schema.optional(Schema.Array(Patch.PatchConfig)),
  mounts: Schema.optional(Schema.Record({ key: GuestPath, value: Mount.MountConfig })),
  /** Library-side: what releasing the sandbox's Scope does (not sent to the runtime). */
  release: Schema.optional(ReleasePolicy),
  /** Library-side: the graceful window of a `stop` release (default 10 s). */
  releaseTimeout: Schema.optional(DurationIn("millis"))
}

// The rules that relate members to one another; the first one broken, with its member.
const crossField = (c: Fields): { readonly path: [string]; readonly message: string } | undefined => {
  const bad = (field: string, message: string) => ({ path: [field] as [string], message })
  const sources = [c.image, c.imageBind, c.snapshot].filter((v) => v !== undefined).length
  if (sources === 0) return bad("image", "an image (or a rootfs path, or a snapshot) is required")
  if (c.image !== undefined && c.snapshot !== undefined) {
    return bad("snapshot", "image and snapshot are mutually exclusive")
  }
  if (c.imageBind !== undefined && (c.image !== undefined || c.snapshot !== undefined)) {
    return bad("imageBind", "a bind rootfs excludes image and snapshot")
  }
  const oci = c.image !== undefined && !isLocalPath(c.image)
  const diskRoot = c.image !== undefined &&
    (c.imageFstype !== undefined || (isLocalPath(c.image) && isDiskImagePath(c.image)))
  if (c.ociUpperSizeMib !== undefined) {
    if (!oci) return bad("ociUpperSizeMib", "the OCI upper size needs an OCI image")
    if (c.rootDisk !== undefined) {
      return bad("ociUpperSizeMib", "ociUpperSize and rootDisk are mutually exclusive")
    }
  }
  if (c.rootDisk !== undefined && c.snapshot !== undefined) {
    return bad("rootDisk", "a root disk is not allowed with a snapshot")
  }
  if (c.patches?.length && diskRoot) return bad("patches", "patches cannot be applied to a disk-image root")
  if (c.maxCpus !== undefined && c.maxCpus < (c.cpus ?? 1)) return bad("maxCpus", "must be at least cpus")
  if (c.maxMemoryMib !== undefined && c.maxMemoryMib < (c.memoryMib ?? 512)) {
    return bad("maxMemoryMib", "must be at least memoryMib")
  }
  return undefined
}

/**
 * Every option of a sandbox. All members are optional; absent means the runtime's
 * default. Decoding (`Schema.decodeUnknown(SandboxConfig)`) checks every member and
 * the rules between them; `Sandbox.make` and `Sandbox.makeWith` decode before any
 * native call.
 */
export const SandboxConfig = Schema.Struct(fields).pipe(
  Schema.filter((c) => crossField(c) ?? true, { identifier: "SandboxConfig" })
)
