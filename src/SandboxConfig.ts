/**
 * The configuration of a sandbox: an `effect/Schema` model of every create option
 * (docs/runtime-abi.md §6), option helpers that mirror the seed's `WithX` functions,
 * validation before anything crosses the boundary, and the exact JSON the runtime
 * expects.
 *
 * Options compose left to right: map options (`env`, `labels`, `scripts`, `ports`,
 * `mounts`…) merge, single values replace.
 *
 * ```ts
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
import { parsePersisted } from "./internal/wire/persistedConfig.js"
import { InvalidConfig } from "./MicrosandboxError.js"
import * as Mount from "./Mount.js"
import * as Network from "./Network.js"
import * as Patch from "./Patch.js"
import * as RootDisk from "./RootDisk.js"
import * as Secret from "./Secret.js"

// ------------------------------------------------------------------ enums

/** @since 0.1.0 */
export const PullPolicy = Schema.Literal("always", "if-missing", "never")
/** @since 0.1.0 */
export type PullPolicy = typeof PullPolicy.Type
/** @since 0.1.0 */
export const LogLevel = Schema.Literal("trace", "debug", "info", "warn", "error")
/** @since 0.1.0 */
export type LogLevel = typeof LogLevel.Type
/** @since 0.1.0 */
export const SecurityProfile = Schema.Literal("default", "restricted")
/** @since 0.1.0 */
export type SecurityProfile = typeof SecurityProfile.Type
/** @since 0.1.0 */
export const DeploymentProfile = Schema.Literal("single-tenant", "multi-tenant")
/** @since 0.1.0 */
export type DeploymentProfile = typeof DeploymentProfile.Type
/** @since 0.1.0 */
export const CpuPlacement = Schema.Literal("inherit", "auto", "spread", "compact")
/** @since 0.1.0 */
export type CpuPlacement = typeof CpuPlacement.Type
/** @since 0.1.0 */
export const ThpPolicy = Schema.Literal("always", "madvise", "never")
/** @since 0.1.0 */
export type ThpPolicy = typeof ThpPolicy.Type

/**
 * What releasing a sandbox's Scope does to it: `stop` (graceful window, then kill),
 * `kill`, or `detach` (the VM keeps running). Default: `detach` for detached
 * sandboxes, `stop` otherwise.
 *
 * @since 0.1.0
 */
export const ReleasePolicy = Schema.Literal("stop", "kill", "detach")
/** @since 0.1.0 */
export type ReleasePolicy = typeof ReleasePolicy.Type

/** @since 0.1.0 */
export const PortBinding = Schema.Struct({
  hostPort: Schema.Number,
  guestPort: Schema.Number,
  /** Host address to bind (default 127.0.0.1). */
  bind: Schema.optional(Schema.String),
  protocol: Schema.optional(Schema.Literal("tcp", "udp"))
})
/** @since 0.1.0 */
export type PortBinding = typeof PortBinding.Type

/** @since 0.1.0 */
export const VsockRoute = Schema.Struct({
  hostSocket: Schema.String,
  port: Schema.Number,
  socketType: Schema.optional(Schema.Literal("stream", "dgram"))
})
/** @since 0.1.0 */
export type VsockRoute = typeof VsockRoute.Type

/** @since 0.1.0 */
export const RegistryAuth = Schema.Struct({
  username: Schema.String,
  password: Schema.RedactedFromSelf(Schema.String)
})
/** @since 0.1.0 */
export type RegistryAuth = typeof RegistryAuth.Type

const StringMap = Schema.Record({ key: Schema.String, value: Schema.String })
/** Host port → guest port; keys are decimal host ports. */
const PortMap = Schema.Record({ key: Schema.String, value: Schema.Number })

// ------------------------------------------------------------------ the model

/**
 * Every option of a sandbox. All members are optional; absent means the runtime's
 * default.
 *
 * @since 0.1.0
 */
export const SandboxConfig = Schema.Struct({
  image: Schema.optional(Schema.String),
  imageFstype: Schema.optional(Schema.String),
  imageBind: Schema.optional(Schema.String),
  rootDisk: Schema.optional(RootDisk.RootDiskConfig),
  ociUpperSizeMib: Schema.optional(Schema.Number),
  snapshot: Schema.optional(Schema.String),
  memoryMib: Schema.optional(Schema.Number),
  cpus: Schema.optional(Schema.Number),
  maxMemoryMib: Schema.optional(Schema.Number),
  maxCpus: Schema.optional(Schema.Number),
  cpuPlacement: Schema.optional(CpuPlacement),
  placementProfile: Schema.optional(Schema.String),
  thp: Schema.optional(ThpPolicy),
  workdir: Schema.optional(Schema.String),
  shell: Schema.optional(Schema.String),
  securityProfile: Schema.optional(SecurityProfile),
  deploymentProfile: Schema.optional(DeploymentProfile),
  env: Schema.optional(StringMap),
  labels: Schema.optional(StringMap),
  hostname: Schema.optional(Schema.String),
  user: Schema.optional(Schema.String),
  replace: Schema.optional(Schema.Boolean),
  replaceTimeout: Schema.optional(Schema.DurationFromSelf),
  detached: Schema.optional(Schema.Boolean),
  ephemeral: Schema.optional(Schema.Boolean),
  entrypoint: Schema.optional(Schema.Array(Schema.String)),
  cmd: Schema.optional(Schema.Array(Schema.String)),
  init: Schema.optional(InitConfig),
  logLevel: Schema.optional(LogLevel),
  quietLogs: Schema.optional(Schema.Boolean),
  scripts: Schema.optional(StringMap),
  pullPolicy: Schema.optional(PullPolicy),
  maxDuration: Schema.optional(Schema.DurationFromSelf),
  idleTimeout: Schema.optional(Schema.DurationFromSelf),
  registryAuth: Schema.optional(RegistryAuth),
  registryInsecure: Schema.optional(Schema.Boolean),
  registryCaCerts: Schema.optional(Schema.Array(Schema.String)),
  ports: Schema.optional(PortMap),
  portsUdp: Schema.optional(PortMap),
  portBindings: Schema.optional(Schema.Array(PortBinding)),
  vsock: Schema.optional(Schema.Array(VsockRoute)),
  network: Schema.optional(Network.NetworkConfig),
  secrets: Schema.optional(Schema.Array(Secret.SecretEntry)),
  patches: Schema.optional(Schema.Array(Patch.PatchConfig)),
  mounts: Schema.optional(Schema.Record({ key: Schema.String, value: Mount.MountConfig })),
  /** Library-side: what releasing the sandbox's Scope does (not sent to the runtime). */
  release: Schema.optional(ReleasePolicy),
  /** Library-side: the graceful window of a `stop` release (default 10 s). */
  releaseTimeout: Schema.optional(Schema.DurationFromSelf)
})

/** @since 0.1.0 */
export interface SandboxConfig extends Schema.Schema.Type<typeof SandboxConfig> {}

/**
 * An option: a function from a configuration to a new one.
 *
 * @since 0.1.0
 */
export type Option = (config: SandboxConfig) => SandboxConfig

/** The empty configuration. @since 0.1.0 */
export const empty: SandboxConfig = {}

/** Applies options left to right. @since 0.1.0 */
export const make = (...options: ReadonlyArray<Option>): SandboxConfig =>
  options.reduce((c, o) => o(c), empty)

/** Applies options to a configuration. @since 0.1.0 */
export const apply: {
  (...options: ReadonlyArray<Option>): (self: SandboxConfig) => SandboxConfig
  (self: SandboxConfig, ...options: ReadonlyArray<Option>): SandboxConfig
} = dual(
  (args) => typeof args[0] === "object" && args[0] !== null && typeof args[0] !== "function",
  (self: SandboxConfig, ...options: ReadonlyArray<Option>) => options.reduce((c, o) => o(c), self)
)

/** Merges a partial configuration (maps merge, values replace). @since 0.1.0 */
export const from = (partial: SandboxConfig): Option => (c) => {
  let out: SandboxConfig = { ...c, ...partial }
  for (const key of ["env", "labels", "scripts", "ports", "portsUdp", "mounts"] as const) {
    if (c[key] && partial[key]) out = { ...out, [key]: { ...c[key], ...partial[key] } }
  }
  return out
}

const set = <K extends keyof SandboxConfig>(key: K, value: SandboxConfig[K]): Option => (c) => ({
  ...c,
  [key]: value
})
const merge = <K extends "env" | "labels" | "scripts" | "ports" | "portsUdp" | "mounts">(
  key: K,
  value: NonNullable<SandboxConfig[K]>
): Option =>
(c) => ({ ...c, [key]: { ...(c[key] ?? {}), ...value } })
const portMap = (ports: Readonly<Record<number, number>>): Record<string, number> =>
  Object.fromEntries(Object.entries(ports).map(([h, g]) => [String(h), g]))

// ------------------------------------------------------------------ options (the seed's WithX)

/** An OCI image reference, or a local rootfs folder (a path starting with `/`, `./` or `../`). @since 0.1.0 */
export const image = (reference: string): Option => set("image", reference)
/** A disk-image root (`.qcow2`, `.raw`) with its inner filesystem. @since 0.1.0 */
export const imageDisk = (path: string, fstype: string): Option => (c) => ({
  ...c,
  image: path,
  imageFstype: fstype
})
/** A host directory used directly as the root filesystem. @since 0.1.0 */
export const bindRootfs = (path: string): Option => set("imageBind", path)
/** Writable root storage for an OCI image. @since 0.1.0 */
export const rootDisk = (disk: RootDisk.RootDiskConfig): Option => set("rootDisk", disk)
/** Size of the writable layer of an OCI image (sent as a managed root disk). @since 0.1.0 */
export const ociUpperSize = (mebibytes: number): Option => set("ociUpperSizeMib", mebibytes)
/** Boot from a snapshot artefact: its name or path, or a `Snapshot` artefact or record. @since 0.1.0 */
export const fromSnapshot = (snapshot: string | { readonly path: string }): Option =>
  set("snapshot", typeof snapshot === "string" ? snapshot : snapshot.path)
/** Guest memory in MiB (default 512). @since 0.1.0 */
export const memory = (mebibytes: number): Option => set("memoryMib", mebibytes)
/** vCPUs (default 1). @since 0.1.0 */
export const cpus = (count: number): Option => set("cpus", count)
/** Hotplug ceiling for memory, MiB. @since 0.1.0 */
export const maxMemory = (mebibytes: number): Option => set("maxMemoryMib", mebibytes)
/** Hotplug ceiling for vCPUs. @since 0.1.0 */
export const maxCpus = (count: number): Option => set("maxCpus", count)
/** @since 0.1.0 */
export const cpuPlacement = (policy: CpuPlacement): Option => set("cpuPlacement", policy)
/** @since 0.1.0 */
export const placementProfile = (profile: string): Option => set("placementProfile", profile)
/** Transparent huge pages. @since 0.1.0 */
export const thp = (policy: ThpPolicy): Option => set("thp", policy)
/** Working directory (an absolute guest path). @since 0.1.0 */
export const workdir = (path: string): Option => set("workdir", path)
/** Shell used by `shell` / `attachShell` (default `/bin/sh`). @since 0.1.0 */
export const shell = (path: string): Option => set("shell", path)
/** @since 0.1.0 */
export const securityProfile = (profile: SecurityProfile): Option => set("securityProfile", profile)
/** @since 0.1.0 */
export const deploymentProfile = (profile: DeploymentProfile): Option => set("deploymentProfile", profile)
/** Guest environment; merges with earlier `env` options. @since 0.1.0 */
export const env = (vars: Readonly<Record<string, string>>): Option => merge("env", vars)
/** Labels; merge with earlier label options. @since 0.1.0 */
export const labels = (values: Readonly<Record<string, string>>): Option => merge("labels", values)
/** One label. @since 0.1.0 */
export const label = (key: string, value: string): Option => merge("labels", { [key]: value })
/** @since 0.1.0 */
export const hostname = (name: string): Option => set("hostname", name)
/** Default user (name or uid). @since 0.1.0 */
export const user = (name: string): Option => set("user", name)
/** Replace an existing sandbox of the same name (stop it with a 10 s grace, then create). @since 0.1.0 */
export const replace = (): Option => set("replace", true)
/** Replace with this grace period (zero kills at once). @since 0.1.0 */
export const replaceWithTimeout = (timeout: Duration.DurationInput): Option => (c) => ({
  ...c,
  replace: true,
  replaceTimeout: Duration.decode(timeout)
})
/** Detached: the VM is not tied to this process; releasing the Scope detaches. @since 0.1.0 */
export const detached = (): Option => set("detached", true)
/** The runtime deletes the sandbox's state once it stops. @since 0.1.0 */
export const ephemeral = (value = true): Option => set("ephemeral", value)
/** Entrypoint for the default command. @since 0.1.0 */
export const entrypoint = (...command: ReadonlyArray<string>): Option => set("entrypoint", command)
/** Default command (`cmd()` clears the image's). @since 0.1.0 */
export const cmd = (...command: ReadonlyArray<string>): Option => set("cmd", command)
/** PID-1 handoff (see the `Init` module). @since 0.1.0 */
export const init = (config: InitConfig): Option => set("init", config)
/** @since 0.1.0 */
export const logLevel = (level: LogLevel): Option => set("logLevel", level)
/** @since 0.1.0 */
export const quietLogs = (): Option => set("quietLogs", true)
/** Named scripts; merge with earlier ones. @since 0.1.0 */
export const scripts = (values: Readonly<Record<string, string>>): Option => merge("scripts", values)
/** @since 0.1.0 */
export const pullPolicy = (policy: PullPolicy): Option => set("pullPolicy", policy)
/** Maximum lifetime (rounded up to whole seconds). @since 0.1.0 */
export const maxDuration = (duration: Duration.DurationInput): Option =>
  set("maxDuration", Duration.decode(duration))
/** Stop after this long without exec activity (rounded up to whole seconds). @since 0.1.0 */
export const idleTimeout = (duration: Duration.DurationInput): Option =>
  set("idleTimeout", Duration.decode(duration))
/** Registry credentials for the image pull (the password stays `Redacted`). @since 0.1.0 */
export const registryAuth = (username: string, password: string | Redacted.Redacted<string>): Option =>
  set("registryAuth", {
    username,
    password: Redacted.isRedacted(password) ? password : Redacted.make(password)
  })
/** Pull over plain HTTP. @since 0.1.0 */
export const registryInsecure = (): Option => set("registryInsecure", true)
/** Extra CA bundles (PEM contents) for the registry. @since 0.1.0 */
export const registryCaCerts = (...pem: ReadonlyArray<string>): Option => (c) => ({
  ...c,
  registryCaCerts: [...(c.registryCaCerts ?? []), ...pem]
})
/** TCP ports published on 127.0.0.1, host → guest; merge with earlier ones. @since 0.1.0 */
export const ports = (map: Readonly<Record<number, number>>): Option => merge("ports", portMap(map))
/** UDP ports, host → guest; merge with earlier ones. @since 0.1.0 */
export const portsUdp = (map: Readonly<Record<number, number>>): Option => merge("portsUdp", portMap(map))
/** Port bindings with an explicit address or protocol. @since 0.1.0 */
export const portBindings = (...bindings: ReadonlyArray<PortBinding>): Option => (c) => ({
  ...c,
  portBindings: [...(c.portBindings ?? []), ...bindings]
})
/** Guest-to-host vsock routes. @since 0.1.0 */
export const vsock = (...routes: ReadonlyArray<VsockRoute>): Option => (c) => ({
  ...c,
  vsock: [...(c.vsock ?? []), ...routes]
})
/** Network policy and settings (see the `Network` module). @since 0.1.0 */
export const network = (config: Network.NetworkConfig): Option => set("network", config)
/** Secrets (see the `Secret` module). @since 0.1.0 */
export const secrets = (...entries: ReadonlyArray<Secret.SecretEntry>): Option => (c) => ({
  ...c,
  secrets: [...(c.secrets ?? []), ...entries]
})
/** Rootfs patches applied before boot (see the `Patch` module). @since 0.1.0 */
export const patches = (...entries: ReadonlyArray<Patch.PatchConfig>): Option => (c) => ({
  ...c,
  patches: [...(c.patches ?? []), ...entries]
})
/** Mounts keyed by guest path (see the `Mount` module); merge with earlier ones. @since 0.1.0 */
export const mounts = (map: Readonly<Record<string, Mount.MountConfig>>): Option => merge("mounts", map)
/** What releasing the Scope does to this sandbox. @since 0.1.0 */
export const release = (policy: ReleasePolicy, timeout?: Duration.DurationInput): Option => (c) => ({
  ...c,
  release: policy,
  ...(timeout === undefined ? {} : { releaseTimeout: Duration.decode(timeout) })
})

// ------------------------------------------------------------------ validation

const utf8Bytes = (s: string) => Buffer.byteLength(s, "utf8")
const isLocalPath = (s: string) =>
  s === "." || s === ".." || s.startsWith("/") || s.startsWith("./") || s.startsWith("../")
const isDiskImagePath = (s: string) => /\.(qcow2|raw|vmdk)$/.test(s)
const RESERVED_LABEL_PREFIXES = ["sandbox.", "microsandbox.", "service."]
const validPort = (n: unknown) => typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 65535

/** Whether the root filesystem is a disk image. @since 0.1.0 */
export const hasDiskImageRoot = (c: SandboxConfig): boolean =>
  c.image !== undefined && (c.imageFstype !== undefined || (isLocalPath(c.image) && isDiskImagePath(c.image)))

/** Whether the root filesystem comes from an OCI image (not a local path). @since 0.1.0 */
export const hasOciImage = (c: SandboxConfig): boolean => c.image !== undefined && !isLocalPath(c.image)

/**
 * Checks a sandbox name: 1–128 bytes, an ASCII letter or digit first, then
 * `[A-Za-z0-9._-]`. Returns the reason, or undefined.
 *
 * @since 0.1.0
 */
export const checkName = (name: string): string | undefined => {
  if (name.length === 0) return "sandbox name must not be empty"
  if (utf8Bytes(name) > 128) return `sandbox name is ${utf8Bytes(name)} bytes long; the limit is 128`
  if (!/^[A-Za-z0-9]/.test(name)) {
    return `sandbox name must start with an ASCII letter or digit: ${JSON.stringify(name)}`
  }
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    return `sandbox name may only contain [A-Za-z0-9._-]: ${JSON.stringify(name)}`
  }
  return undefined
}

const checks = (name: string, c: SandboxConfig): ReadonlyArray<readonly [field: string, message: string]> => {
  const problems: Array<readonly [string, string]> = []
  const bad = (field: string, message: string) => problems.push([field, message])
  const nameProblem = checkName(name)
  if (nameProblem) bad("name", nameProblem)

  const sources =
    [c.image !== undefined, c.imageBind !== undefined, c.snapshot !== undefined].filter(Boolean).length
  if (sources === 0) bad("image", "an image (or a rootfs path, or a snapshot) is required")
  if (c.image !== undefined && c.snapshot !== undefined) {
    bad("snapshot", "image and snapshot are mutually exclusive")
  }
  if (c.imageBind !== undefined && (c.image !== undefined || c.snapshot !== undefined)) {
    bad("imageBind", "a bind rootfs excludes image and snapshot")
  }
  if (c.image !== undefined && c.image.trim().length === 0) bad("image", "image must not be empty")
  if (c.ociUpperSizeMib !== undefined) {
    if (!hasOciImage(c)) bad("ociUpperSizeMib", "the OCI upper size needs an OCI image")
    if (c.rootDisk !== undefined) bad("ociUpperSizeMib", "ociUpperSize and rootDisk are mutually exclusive")
    if (!(Number.isInteger(c.ociUpperSizeMib) && c.ociUpperSizeMib > 0)) {
      bad("ociUpperSizeMib", "must be a positive integer")
    }
  }
  if (c.rootDisk !== undefined && c.snapshot !== undefined) {
    bad("rootDisk", "a root disk is not allowed with a snapshot")
  }
  if (c.patches?.length && hasDiskImageRoot(c)) {
    bad("patches", "patches cannot be applied to a disk-image root")
  }
  const positive = (field: keyof SandboxConfig, v: number | undefined, max: number) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1 && v <= max)) {
      bad(field, `must be an integer from 1 to ${max}`)
    }
  }
  positive("memoryMib", c.memoryMib, 0xffffffff)
  positive("cpus", c.cpus, 255)
  positive("maxMemoryMib", c.maxMemoryMib, 0xffffffff)
  positive("maxCpus", c.maxCpus, 255)
  if (c.maxCpus !== undefined && c.maxCpus < (c.cpus ?? 1)) bad("maxCpus", "must be at least cpus")
  if (c.maxMemoryMib !== undefined && c.maxMemoryMib < (c.memoryMib ?? 512)) {
    bad("maxMemoryMib", "must be at least memoryMib")
  }
  const absolute = (field: string, p: string | undefined) => {
    if (p !== undefined && !p.startsWith("/")) bad(field, `guest path must be absolute: ${JSON.stringify(p)}`)
  }
  absolute("workdir", c.workdir)
  absolute("shell", c.shell)
  for (const [key] of Object.entries(c.labels ?? {})) {
    if (key.length === 0) bad("labels", "label keys must not be empty")
    const prefix = RESERVED_LABEL_PREFIXES.find((p) => key.startsWith(p))
    if (prefix) {
      bad("labels", `label ${JSON.stringify(key)} uses the reserved prefix ${JSON.stringify(prefix)}`)
    }
  }
  for (const key of Object.keys(c.env ?? {})) {
    if (key.length === 0 || key.includes("=")) {
      bad("env", `invalid environment variable name ${JSON.stringify(key)}`)
    }
    if (key.startsWith("MSB_")) bad("env", `environment variables starting with MSB_ are reserved: ${key}`)
  }
  for (const [field, map] of [["ports", c.ports], ["portsUdp", c.portsUdp]] as const) {
    for (const [host, guest] of Object.entries(map ?? {})) {
      if (!/^\d+$/.test(host) || !validPort(Number(host))) {
        bad(field, `host port ${host} is out of range 1-65535`)
      }
      if (!validPort(guest)) bad(field, `guest port ${guest} is out of range 1-65535`)
    }
  }
  for (const b of c.portBindings ?? []) {
    if (!validPort(b.hostPort)) bad("portBindings", `host port ${b.hostPort} is out of range 1-65535`)
    if (!validPort(b.guestPort)) bad("portBindings", `guest port ${b.guestPort} is out of range 1-65535`)
  }
  for (const v of c.vsock ?? []) {
    if (!(Number.isInteger(v.port) && v.port >= 0 && v.port <= 0xffffffff)) {
      bad("vsock", `invalid vsock port ${v.port}`)
    }
  }
  if (c.init !== undefined && c.init.cmd !== "auto" && !c.init.cmd.startsWith("/")) {
    bad("init", `the init command must be an absolute path or "auto": ${JSON.stringify(c.init.cmd)}`)
  }
  for (const patch of c.patches ?? []) for (const p of Patch.guestPaths(patch)) absolute("patches", p)
  for (const guest of Object.keys(c.mounts ?? {})) absolute("mounts", guest)
  for (const s of c.secrets ?? []) {
    if (!s.allowHosts?.length && !s.allowHostPatterns?.length) {
      bad("secrets", `secret ${s.envVar} needs at least one allowed host`)
    }
  }
  if (c.maxDuration !== undefined && Duration.toMillis(c.maxDuration) < 0) {
    bad("maxDuration", "must not be negative")
  }
  if (c.idleTimeout !== undefined && Duration.toMillis(c.idleTimeout) < 0) {
    bad("idleTimeout", "must not be negative")
  }
  return problems
}

/**
 * Validates a configuration for a sandbox name: the first problem as `InvalidConfig`
 * naming the field.
 *
 * @since 0.1.0
 */
export const validate = (name: string, config: SandboxConfig, operation = "Sandbox.make"): Either.Either<
  SandboxConfig,
  InvalidConfig
> => {
  const problem = checks(name, config)[0]
  return problem
    ? Either.left(
      new InvalidConfig({
        message: `invalid config: ${problem[0]}: ${problem[1]}`,
        operation,
        sandbox: name,
        field: problem[0]
      })
    )
    : Either.right(config)
}

// ------------------------------------------------------------------ encoding (docs/runtime-abi.md §6)

const secsCeil = (d: Duration.Duration) => Math.ceil(Duration.toMillis(d) / 1000)
const msCeil = (d: Duration.Duration) => Math.ceil(Duration.toMillis(d))

/**
 * The create-options document the runtime expects (zero values omitted, durations
 * rounded up, secrets revealed only here, at the boundary).
 *
 * @since 0.1.0
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
    put("registry_auth", {
      username: c.registryAuth.username,
      password: Redacted.value(c.registryAuth.password)
    })
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
 */
export const fromPersisted = (configJson: string): Either.Either<SandboxConfig, string> =>
  Either.flatMap(
    parsePersisted(configJson),
    (fields) => Either.mapLeft(decodeModel(fields), (e) => ParseResult.TreeFormatter.formatErrorSync(e))
  )
