/**
 * The configuration of a sandbox: an `effect/Schema` model of every create option
 * (docs/runtime-abi.md §6), option helpers that mirror the seed's `WithX` functions,
 * validation before anything crosses the boundary, and the exact JSON the runtime
 * expects.
 *
 * Options compose left to right: map options (`env`, `labels`, `scripts`, `ports`,
 * `mounts`…) merge, single values replace.
 *
 * @example
 * ```ts
 * import { SandboxConfig } from "effect-microsandbox"
 *
 * const config = SandboxConfig.make(
 *   SandboxConfig.image("python:3.12"),
 *   SandboxConfig.memory(1024),
 *   SandboxConfig.env({ A: "1" }),
 *   SandboxConfig.label("tenant", "acme")
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { InitConfig } from "./Init.js"
import {
  CString,
  CStringRecord,
  decodeDuration,
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
} from "./internal/validate.js"
import { parsePersisted } from "./internal/wire/persistedConfig.js"
import { InvalidConfig } from "./MicrosandboxError.js"
import * as Mount from "./Mount.js"
import * as Network from "./Network.js"
import * as Patch from "./Patch.js"
import * as RootDisk from "./RootDisk.js"
import * as Secret from "./Secret.js"

// ------------------------------------------------------------------ enums

/**
 * @since 0.1.0
 * @category models
 */
export const PullPolicy = Schema.Literal("always", "if-missing", "never")
/**
 * @since 0.1.0
 * @category models
 */
export type PullPolicy = typeof PullPolicy.Type
/**
 * @since 0.1.0
 * @category models
 */
export const LogLevel = Schema.Literal("trace", "debug", "info", "warn", "error")
/**
 * @since 0.1.0
 * @category models
 */
export type LogLevel = typeof LogLevel.Type
/**
 * @since 0.1.0
 * @category models
 */
export const SecurityProfile = Schema.Literal("default", "restricted")
/**
 * @since 0.1.0
 * @category models
 */
export type SecurityProfile = typeof SecurityProfile.Type
/**
 * @since 0.1.0
 * @category models
 */
export const DeploymentProfile = Schema.Literal("single-tenant", "multi-tenant")
/**
 * @since 0.1.0
 * @category models
 */
export type DeploymentProfile = typeof DeploymentProfile.Type
/**
 * @since 0.1.0
 * @category models
 */
export const CpuPlacement = Schema.Literal("inherit", "auto", "spread", "compact")
/**
 * @since 0.1.0
 * @category models
 */
export type CpuPlacement = typeof CpuPlacement.Type
/**
 * @since 0.1.0
 * @category models
 */
export const ThpPolicy = Schema.Literal("always", "madvise", "never")
/**
 * @since 0.1.0
 * @category models
 */
export type ThpPolicy = typeof ThpPolicy.Type

/**
 * What releasing a sandbox's Scope does to it: `stop` (graceful window, then kill),
 * `kill`, or `detach` (the VM keeps running). Default: `detach` for detached
 * sandboxes, `stop` otherwise.
 *
 * @since 0.1.0
 * @category models
 */
export const ReleasePolicy = Schema.Literal("stop", "kill", "detach")
/**
 * @since 0.1.0
 * @category models
 */
export type ReleasePolicy = typeof ReleasePolicy.Type

/**
 * @since 0.1.0
 * @category models
 */
export const PortBinding = Schema.Struct({
  hostPort: Port,
  guestPort: Port,
  /** Host address to bind, an IPv4 or IPv6 address (default 127.0.0.1). */
  bind: Schema.optional(IpAddress),
  protocol: Schema.optional(Schema.Literal("tcp", "udp"))
})
/**
 * @since 0.1.0
 * @category models
 */
export type PortBinding = typeof PortBinding.Type

/**
 * @since 0.1.0
 * @category models
 */
export const VsockRoute = Schema.Struct({
  hostSocket: NonEmptyCString,
  port: IntBetween(0, 0xffffffff),
  socketType: Schema.optional(Schema.Literal("stream", "dgram"))
})
/**
 * @since 0.1.0
 * @category models
 */
export type VsockRoute = typeof VsockRoute.Type

/**
 * @since 0.1.0
 * @category models
 */
export const RegistryAuth = Schema.Struct({
  username: NonEmptyCString,
  password: Schema.RedactedFromSelf(CString)
})
/**
 * @since 0.1.0
 * @category models
 */
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

const isDiskImagePath = (s: string) => /\.(qcow2|raw|vmdk)$/.test(s)
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
 *
 * @since 0.1.0
 * @category models
 */
export const SandboxConfig = Schema.Struct(fields).pipe(
  Schema.filter((c) => crossField(c) ?? true, { identifier: "SandboxConfig" })
)

/**
 * @since 0.1.0
 * @category models
 */
export interface SandboxConfig extends Schema.Schema.Type<typeof SandboxConfig> {}

/**
 * An option: a function from a configuration to a new one.
 *
 * @since 0.1.0
 * @category models
 */
export type Option = (config: SandboxConfig) => SandboxConfig

/**
 * The empty configuration.
 *
 * @since 0.1.0
 * @category constructors
 */
export const empty: SandboxConfig = {}

// Options never throw, whatever they are given: a value they cannot use is kept as it
// is (or under a member the Schema does not know), so that decoding reports it.
const OPTIONS_KEY = "options"
const invalid = (c: SandboxConfig, key: string, value: unknown): SandboxConfig =>
  ({ ...c, [key]: value }) as SandboxConfig
const applyAll = (self: SandboxConfig, options: ReadonlyArray<unknown>): SandboxConfig => {
  let c: SandboxConfig = typeof self === "object" && self !== null ? self : invalid(empty, OPTIONS_KEY, self)
  for (const o of options) {
    if (typeof o !== "function") {
      c = invalid(c, OPTIONS_KEY, o)
      continue
    }
    try {
      const next: unknown = o(c)
      c = typeof next === "object" && next !== null ? next as SandboxConfig : invalid(c, OPTIONS_KEY, next)
    } catch (e) {
      c = invalid(c, OPTIONS_KEY, e)
    }
  }
  return c
}

/**
 * Applies options left to right. Never throws: a value an option cannot use is
 * reported when the configuration is decoded (`validate`, `Sandbox.make`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (...options: ReadonlyArray<Option>): SandboxConfig => applyAll(empty, options)

/**
 * Applies options to a configuration.
 *
 * @since 0.1.0
 * @category combinators
 */
export const apply: {
  (...options: ReadonlyArray<Option>): (self: SandboxConfig) => SandboxConfig
  (self: SandboxConfig, ...options: ReadonlyArray<Option>): SandboxConfig
} = dual(
  (args) => typeof args[0] === "object" && args[0] !== null && typeof args[0] !== "function",
  (self: SandboxConfig, ...options: ReadonlyArray<Option>) => applyAll(self, options)
)

const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)
const MAP_KEYS = ["env", "labels", "scripts", "ports", "portsUdp", "mounts"] as const

/**
 * Merges a partial configuration (maps merge, values replace).
 *
 * @since 0.1.0
 * @category constructors
 */
export const from = (partial: SandboxConfig): Option => (c) => {
  if (!isRecord(partial)) return invalid(c, OPTIONS_KEY, partial)
  let out: SandboxConfig = { ...c, ...partial }
  for (const key of MAP_KEYS) {
    if (isRecord(c[key]) && isRecord(partial[key])) out = { ...out, [key]: { ...c[key], ...partial[key] } }
  }
  return out
}

const set = <K extends keyof SandboxConfig>(key: K, value: SandboxConfig[K]): Option => (c) => ({
  ...c,
  [key]: value
})
const merge = <K extends (typeof MAP_KEYS)[number]>(
  key: K,
  value: NonNullable<SandboxConfig[K]>
): Option =>
(c) => {
  const previous = c[key]
  if (!isRecord(value)) return invalid(c, key, value)
  if (previous !== undefined && !isRecord(previous)) return c
  return { ...c, [key]: { ...previous, ...value } }
}
const append = <K extends "registryCaCerts" | "portBindings" | "vsock" | "secrets" | "patches">(
  key: K,
  items: ReadonlyArray<unknown>
): Option =>
(c) => {
  const previous: unknown = c[key]
  if (previous !== undefined && !Array.isArray(previous)) return c
  return { ...c, [key]: [...(previous ?? []), ...items] }
}
const portMap = (ports: Readonly<Record<number, number>>): Record<string, number> =>
  (isRecord(ports)
    ? Object.fromEntries(Object.entries(ports).map(([h, g]) => [String(h), g]))
    : ports) as Record<string, number>
// A duration the helpers cannot take as given (negative, NaN, malformed) stays raw, for decoding to refuse.
const duration = (input: Duration.DurationInput): Duration.Duration =>
  Either.getOrElse(decodeDuration(input), () => input as unknown as Duration.Duration)

// ------------------------------------------------------------------ options (the seed's WithX)

/**
 * An OCI image reference, or a local rootfs folder (a path starting with `/`, `./` or `../`).
 *
 * @since 0.1.0
 * @category options
 */
export const image = (reference: string): Option => set("image", reference)
/**
 * A disk-image root (`.qcow2`, `.raw`) with its inner filesystem.
 *
 * @since 0.1.0
 * @category options
 */
export const imageDisk = (path: string, fstype: string): Option => (c) => ({
  ...c,
  image: path,
  imageFstype: fstype
})
/**
 * A host directory used directly as the root filesystem.
 *
 * @since 0.1.0
 * @category options
 */
export const bindRootfs = (path: string): Option => set("imageBind", path)
/**
 * Writable root storage for an OCI image.
 *
 * @since 0.1.0
 * @category options
 */
export const rootDisk = (disk: RootDisk.RootDiskConfig): Option => set("rootDisk", disk)
/**
 * Size of the writable layer of an OCI image (sent as a managed root disk).
 *
 * @since 0.1.0
 * @category options
 */
export const ociUpperSize = (mebibytes: number): Option => set("ociUpperSizeMib", mebibytes)
/**
 * Boot from a snapshot artefact: its name or path, or a `Snapshot` artefact or record.
 *
 * @since 0.1.0
 * @category options
 */
export const fromSnapshot = (snapshot: string | { readonly path: string }): Option =>
  // A value outside the types (from JavaScript) is kept for the Schema to refuse.
  set(
    "snapshot",
    typeof snapshot === "object" && snapshot !== null && "path" in snapshot
      ? snapshot.path
      : snapshot as string
  )
/**
 * Guest memory in MiB (default 512).
 *
 * @since 0.1.0
 * @category options
 */
export const memory = (mebibytes: number): Option => set("memoryMib", mebibytes)
/**
 * vCPUs (default 1).
 *
 * @since 0.1.0
 * @category options
 */
export const cpus = (count: number): Option => set("cpus", count)
/**
 * Hotplug ceiling for memory, MiB.
 *
 * @since 0.1.0
 * @category options
 */
export const maxMemory = (mebibytes: number): Option => set("maxMemoryMib", mebibytes)
/**
 * Hotplug ceiling for vCPUs.
 *
 * @since 0.1.0
 * @category options
 */
export const maxCpus = (count: number): Option => set("maxCpus", count)
/**
 * @since 0.1.0
 * @category options
 */
export const cpuPlacement = (policy: CpuPlacement): Option => set("cpuPlacement", policy)
/**
 * @since 0.1.0
 * @category options
 */
export const placementProfile = (profile: string): Option => set("placementProfile", profile)
/**
 * Transparent huge pages.
 *
 * @since 0.1.0
 * @category options
 */
export const thp = (policy: ThpPolicy): Option => set("thp", policy)
/**
 * Working directory (an absolute guest path).
 *
 * @since 0.1.0
 * @category options
 */
export const workdir = (path: string): Option => set("workdir", path)
/**
 * Shell used by `shell` / `attachShell` (default `/bin/sh`).
 *
 * @since 0.1.0
 * @category options
 */
export const shell = (path: string): Option => set("shell", path)
/**
 * @since 0.1.0
 * @category options
 */
export const securityProfile = (profile: SecurityProfile): Option => set("securityProfile", profile)
/**
 * @since 0.1.0
 * @category options
 */
export const deploymentProfile = (profile: DeploymentProfile): Option => set("deploymentProfile", profile)
/**
 * Guest environment; merges with earlier `env` options.
 *
 * @since 0.1.0
 * @category options
 */
export const env = (vars: Readonly<Record<string, string>>): Option => merge("env", vars)
/**
 * Labels; merge with earlier label options.
 *
 * @since 0.1.0
 * @category options
 */
export const labels = (values: Readonly<Record<string, string>>): Option => merge("labels", values)
/**
 * One label.
 *
 * @since 0.1.0
 * @category options
 */
export const label = (key: string, value: string): Option =>
  typeof key === "string" ? merge("labels", { [key]: value }) : (c) => invalid(c, "labels", key)
/**
 * @since 0.1.0
 * @category options
 */
export const hostname = (name: string): Option => set("hostname", name)
/**
 * Default user (name or uid).
 *
 * @since 0.1.0
 * @category options
 */
export const user = (name: string): Option => set("user", name)
/**
 * Replace an existing sandbox of the same name (stop it with a 10 s grace, then create).
 *
 * @since 0.1.0
 * @category options
 */
export const replace = (): Option => set("replace", true)
/**
 * Replace with this grace period (zero kills at once).
 *
 * @since 0.1.0
 * @category options
 */
export const replaceWithTimeout = (timeout: Duration.DurationInput): Option => (c) => ({
  ...c,
  replace: true,
  replaceTimeout: duration(timeout)
})
/**
 * Detached: the VM is not tied to this process; releasing the Scope detaches.
 *
 * @since 0.1.0
 * @category options
 */
export const detached = (): Option => set("detached", true)
/**
 * The runtime deletes the sandbox's state once it stops.
 *
 * @since 0.1.0
 * @category options
 */
export const ephemeral = (value = true): Option => set("ephemeral", value)
/**
 * Entrypoint for the default command.
 *
 * @since 0.1.0
 * @category options
 */
export const entrypoint = (...command: ReadonlyArray<string>): Option => set("entrypoint", command)
/**
 * Default command (`cmd()` clears the image's).
 *
 * @since 0.1.0
 * @category options
 */
export const cmd = (...command: ReadonlyArray<string>): Option => set("cmd", command)
/**
 * PID-1 handoff (see the `Init` module).
 *
 * @since 0.1.0
 * @category options
 */
export const init = (config: InitConfig): Option => set("init", config)
/**
 * @since 0.1.0
 * @category options
 */
export const logLevel = (level: LogLevel): Option => set("logLevel", level)
/**
 * @since 0.1.0
 * @category options
 */
export const quietLogs = (): Option => set("quietLogs", true)
/**
 * Named scripts; merge with earlier ones.
 *
 * @since 0.1.0
 * @category options
 */
export const scripts = (values: Readonly<Record<string, string>>): Option => merge("scripts", values)
/**
 * @since 0.1.0
 * @category options
 */
export const pullPolicy = (policy: PullPolicy): Option => set("pullPolicy", policy)
/**
 * Maximum lifetime (rounded up to whole seconds; zero means no limit). A negative
 * duration is refused (`InvalidConfig`), never taken as "no limit".
 *
 * @since 0.1.0
 * @category options
 */
export const maxDuration = (limit: Duration.DurationInput): Option => set("maxDuration", duration(limit))
/**
 * Stop after this long without exec activity (rounded up to whole seconds; zero means
 * no limit). A negative duration is refused.
 *
 * @since 0.1.0
 * @category options
 */
export const idleTimeout = (limit: Duration.DurationInput): Option => set("idleTimeout", duration(limit))
/**
 * Registry credentials for the image pull (the password stays `Redacted`).
 *
 * @since 0.1.0
 * @category options
 */
export const registryAuth = (username: string, password: string | Redacted.Redacted<string>): Option =>
  set("registryAuth", {
    username,
    password: Redacted.isRedacted(password) ? password : Redacted.make(password)
  })
/**
 * Pull over plain HTTP.
 *
 * @since 0.1.0
 * @category options
 */
export const registryInsecure = (): Option => set("registryInsecure", true)
/**
 * Extra CA bundles (PEM contents) for the registry.
 *
 * @since 0.1.0
 * @category options
 */
export const registryCaCerts = (...pem: ReadonlyArray<string>): Option => append("registryCaCerts", pem)
/**
 * TCP ports published on 127.0.0.1, host → guest; merge with earlier ones.
 *
 * @since 0.1.0
 * @category options
 */
export const ports = (map: Readonly<Record<number, number>>): Option => merge("ports", portMap(map))
/**
 * UDP ports, host → guest; merge with earlier ones.
 *
 * @since 0.1.0
 * @category options
 */
export const portsUdp = (map: Readonly<Record<number, number>>): Option => merge("portsUdp", portMap(map))
/**
 * Port bindings with an explicit address or protocol.
 *
 * @since 0.1.0
 * @category options
 */
export const portBindings = (...bindings: ReadonlyArray<PortBinding>): Option =>
  append("portBindings", bindings)
/**
 * Guest-to-host vsock routes.
 *
 * @since 0.1.0
 * @category options
 */
export const vsock = (...routes: ReadonlyArray<VsockRoute>): Option => append("vsock", routes)
/**
 * Network policy and settings (see the `Network` module).
 *
 * @since 0.1.0
 * @category options
 */
export const network = (config: Network.NetworkConfig): Option => set("network", config)
/**
 * Secrets (see the `Secret` module).
 *
 * @since 0.1.0
 * @category options
 */
export const secrets = (...entries: ReadonlyArray<Secret.SecretEntry>): Option => append("secrets", entries)
/**
 * Rootfs patches applied before boot (see the `Patch` module).
 *
 * @since 0.1.0
 * @category options
 */
export const patches = (...entries: ReadonlyArray<Patch.PatchConfig>): Option => append("patches", entries)
/**
 * Mounts keyed by guest path (see the `Mount` module); merge with earlier ones.
 *
 * @since 0.1.0
 * @category options
 */
export const mounts = (map: Readonly<Record<string, Mount.MountConfig>>): Option => merge("mounts", map)
/**
 * What releasing the Scope does to this sandbox.
 *
 * @since 0.1.0
 * @category options
 */
export const release = (policy: ReleasePolicy, timeout?: Duration.DurationInput): Option => (c) => ({
  ...c,
  release: policy,
  ...(timeout === undefined ? {} : { releaseTimeout: duration(timeout) })
})

// ------------------------------------------------------------------ validation

const utf8Bytes = (s: string) => new TextEncoder().encode(s).length

/**
 * Whether the root filesystem is a disk image.
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasDiskImageRoot = (c: SandboxConfig): boolean =>
  typeof c.image === "string" &&
  (c.imageFstype !== undefined || (isLocalPath(c.image) && isDiskImagePath(c.image)))

/**
 * Whether the root filesystem comes from an OCI image (not a local path).
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasOciImage = (c: SandboxConfig): boolean => typeof c.image === "string" && !isLocalPath(c.image)

/**
 * Checks a sandbox name: a string of 1–128 bytes, an ASCII letter or digit first,
 * then `[A-Za-z0-9._-]`. Returns the reason, or undefined.
 *
 * @since 0.1.0
 * @category validation
 */
export const checkName = (name: string): string | undefined => {
  if (typeof name !== "string") return `sandbox name must be a string, got ${show(name)}`
  if (name.length === 0) return "sandbox name must not be empty"
  if (name.length > 128 || utf8Bytes(name) > 128) {
    return `sandbox name is ${utf8Bytes(name)} bytes long; the limit is 128`
  }
  if (!/^[A-Za-z0-9]/.test(name)) {
    return `sandbox name must start with an ASCII letter or digit: ${show(name)}`
  }
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    return `sandbox name may only contain [A-Za-z0-9._-]: ${show(name)}`
  }
  return undefined
}

const decodeConfig = Schema.decodeUnknownEither(SandboxConfig, { onExcessProperty: "error" })

const firstProblem = (error: ParseResult.ParseError): readonly [field: string, message: string] => {
  const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
  if (!issue) return ["config", "invalid configuration"]
  const field = issue.path.length > 0 ? String(issue.path[0]) : "config"
  const where = issue.path.length > 1 ? `${issue.path.slice(1).map(String).join(".")}: ` : ""
  // A member the Schema does not know: under "options", a value an option could not use.
  if (issue._tag === "Unexpected") {
    return field === OPTIONS_KEY
      ? [field, "not a valid option (options are functions from SandboxConfig.*)"]
      : [field, `not a configuration member`]
  }
  return [field, `${where}${issue.message}`]
}

/**
 * Decodes a configuration for a sandbox name, whatever its origin (options, a value
 * loaded from JSON, a JavaScript caller): the first problem as `InvalidConfig` naming
 * the member. Succeeds with the decoded configuration.
 *
 * @since 0.1.0
 * @category validation
 */
export const validate = (name: string, config: SandboxConfig, operation = "Sandbox.make"): Either.Either<
  SandboxConfig,
  InvalidConfig
> => {
  const fail = (field: string, message: string) =>
    Either.left(
      new InvalidConfig({
        message: `invalid config: ${field}: ${message}`,
        operation,
        ...(typeof name === "string" ? { sandbox: name } : {}),
        field
      })
    )
  const nameProblem = checkName(name)
  if (nameProblem !== undefined) return fail("name", nameProblem)
  if (typeof config !== "object" || config === null) {
    return fail("config", `a configuration must be an object, got ${show(config)}`)
  }
  return Either.match(decodeConfig(config), {
    onLeft: (error) => fail(...firstProblem(error)),
    onRight: (valid): Either.Either<SandboxConfig, InvalidConfig> => Either.right(valid)
  })
}

// ------------------------------------------------------------------ encoding (docs/runtime-abi.md §6)

const secsCeil = (d: Duration.Duration) => Math.ceil(Duration.toMillis(d) / 1000)
const msCeil = (d: Duration.Duration) => Math.ceil(Duration.toMillis(d))

/**
 * The create-options document the runtime expects (zero values omitted, durations
 * rounded up). Secrets (registry password, secret values, the TLS CA key) stay
 * `Redacted` in it: they are revealed only when the library writes the document for
 * the native call.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encode = (c: SandboxConfig): Record<string, unknown> => {
  const o: Record<string, unknown> = {}
  const put = (key: string, value: unknown) => {
    if (value !== undefined) o[key] = value
  }
  const nonEmpty = <A extends object>(
    v: A | undefined
  ) => (v !== undefined && Object.keys(v).length > 0 ? v : undefined)
  put("image", c.image)
  put("image_fstype", c.imageFstype)
  put("image_bind", c.imageBind)
  if (c.rootDisk) put("root_disk", RootDisk.encode(c.rootDisk))
  else if (c.ociUpperSizeMib !== undefined) put("root_disk", { kind: "managed", size_mib: c.ociUpperSizeMib })
  put("snapshot", c.snapshot)
  put("memory_mib", c.memoryMib)
  put("cpus", c.cpus)
  put("max_memory_mib", c.maxMemoryMib)
  put("max_cpus", c.maxCpus)
  put("cpu_placement", c.cpuPlacement)
  put("placement_profile", c.placementProfile)
  put("thp", c.thp)
  put("workdir", c.workdir)
  put("shell", c.shell)
  put("security_profile", c.securityProfile)
  put("deployment_profile", c.deploymentProfile)
  put("env", nonEmpty(c.env))
  put("labels", nonEmpty(c.labels))
  put("hostname", c.hostname)
  put("user", c.user)
  if (c.replace || c.replaceTimeout !== undefined) put("replace", true)
  if (c.replaceTimeout !== undefined) put("replace_with_timeout_ms", msCeil(c.replaceTimeout))
  if (c.detached) put("detached", true)
  if (c.ephemeral) put("ephemeral", true)
  put("entrypoint", c.entrypoint)
  put("cmd", c.cmd)
  if (c.init) {
    put("init", {
      cmd: c.init.cmd,
      ...(c.init.args ? { args: c.init.args } : {}),
      ...(c.init.env ? { env: Object.entries(c.init.env) } : {})
    })
  }
  put("log_level", c.logLevel)
  if (c.quietLogs) put("quiet_logs", true)
  put("scripts", nonEmpty(c.scripts))
  put("pull_policy", c.pullPolicy)
  if (c.maxDuration !== undefined && Duration.toMillis(c.maxDuration) > 0) {
    put("max_duration_secs", secsCeil(c.maxDuration))
  }
  if (c.idleTimeout !== undefined && Duration.toMillis(c.idleTimeout) > 0) {
    put("idle_timeout_secs", secsCeil(c.idleTimeout))
  }
  if (c.registryAuth) {
    put("registry_auth", { username: c.registryAuth.username, password: c.registryAuth.password })
  }
  if (c.registryInsecure) put("registry_insecure", true)
  if (c.registryCaCerts?.length) put("registry_ca_certs", c.registryCaCerts)
  put("ports", nonEmpty(c.ports))
  put("ports_udp", nonEmpty(c.portsUdp))
  if (c.portBindings?.length) {
    put(
      "port_bindings",
      c.portBindings.map((b) => ({
        ...(b.bind ? { bind: b.bind } : {}),
        host_port: b.hostPort,
        guest_port: b.guestPort,
        ...(b.protocol ? { protocol: b.protocol } : {})
      }))
    )
  }
  if (c.vsock?.length) {
    put(
      "vsock",
      c.vsock.map((v) => ({
        host_socket: v.hostSocket,
        port: v.port,
        ...(v.socketType ? { socket_type: v.socketType } : {})
      }))
    )
  }
  if (c.network) put("network", Network.encode(c.network))
  if (c.secrets?.length) put("secrets", c.secrets.map(Secret.encode))
  if (c.patches?.length) {
    put("patches", c.patches.map(({ _tag, ...rest }) => ({ kind: _tag, ...rest })))
  }
  if (c.mounts && Object.keys(c.mounts).length > 0) {
    put("volumes", Object.fromEntries(Object.entries(c.mounts).map(([guest, m]) => [guest, Mount.encode(m)])))
  }
  return o
}

// ------------------------------------------------------------------ the persisted form

const decodeModel = Schema.decodeUnknownEither(SandboxConfig)

/**
 * Parses the runtime's persisted configuration (`config_json` of a sandbox record, in
 * the form the real runtime writes: see docs/real-runtime.md) into a `SandboxConfig`.
 * Fields the runtime does not persist (secrets, registry credentials, replace, detached)
 * are absent; the runtime's defaults (cpus, memory, pull policy, profiles) are present.
 *
 * @since 0.1.0
 * @category encoding
 */
export const fromPersisted = (configJson: string): Either.Either<SandboxConfig, string> =>
  Either.flatMap(
    parsePersisted(configJson),
    (fields) => Either.mapLeft(decodeModel(fields), (e) => ParseResult.TreeFormatter.formatErrorSync(e))
  )
