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
import type * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import * as Redacted from "effect/Redacted"
import type * as Schema from "effect/Schema"
import type { InitConfig } from "./Init.js"
import * as encoding from "./internal/config/encode.js"
import * as internal from "./internal/config/model.js"
import * as validation from "./internal/config/validate.js"
import { OPTIONS_KEY } from "./internal/config/validate.js"
import { decodeDuration } from "./internal/validate.js"
import * as persisted from "./internal/wire/persistedConfig.js"
import type { InvalidConfig } from "./MicrosandboxError.js"
import type * as Mount from "./Mount.js"
import type * as Network from "./Network.js"
import type * as Patch from "./Patch.js"
import type * as RootDisk from "./RootDisk.js"
import type * as Secret from "./Secret.js"

// ------------------------------------------------------------------ enums

/**
 * @since 0.1.0
 * @category models
 */
export const PullPolicy = internal.PullPolicy
/**
 * @since 0.1.0
 * @category models
 */
export type PullPolicy = typeof PullPolicy.Type
/**
 * @since 0.1.0
 * @category models
 */
export const LogLevel = internal.LogLevel
/**
 * @since 0.1.0
 * @category models
 */
export type LogLevel = typeof LogLevel.Type
/**
 * @since 0.1.0
 * @category models
 */
export const SecurityProfile = internal.SecurityProfile
/**
 * @since 0.1.0
 * @category models
 */
export type SecurityProfile = typeof SecurityProfile.Type
/**
 * @since 0.1.0
 * @category models
 */
export const DeploymentProfile = internal.DeploymentProfile
/**
 * @since 0.1.0
 * @category models
 */
export type DeploymentProfile = typeof DeploymentProfile.Type
/**
 * @since 0.1.0
 * @category models
 */
export const CpuPlacement = internal.CpuPlacement
/**
 * @since 0.1.0
 * @category models
 */
export type CpuPlacement = typeof CpuPlacement.Type
/**
 * @since 0.1.0
 * @category models
 */
export const ThpPolicy = internal.ThpPolicy
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
export const ReleasePolicy = internal.ReleasePolicy
/**
 * @since 0.1.0
 * @category models
 */
export type ReleasePolicy = typeof ReleasePolicy.Type

/**
 * @since 0.1.0
 * @category models
 */
export const PortBinding = internal.PortBinding
/**
 * @since 0.1.0
 * @category models
 */
export type PortBinding = typeof PortBinding.Type

/**
 * @since 0.1.0
 * @category models
 */
export const VsockRoute = internal.VsockRoute
/**
 * @since 0.1.0
 * @category models
 */
export type VsockRoute = typeof VsockRoute.Type

/**
 * @since 0.1.0
 * @category models
 */
export const RegistryAuth = internal.RegistryAuth
/**
 * @since 0.1.0
 * @category models
 */
export type RegistryAuth = typeof RegistryAuth.Type

// ------------------------------------------------------------------ the model

/**
 * Every option of a sandbox. All members are optional; absent means the runtime's
 * default. Decoding (`Schema.decodeUnknown(SandboxConfig)`) checks every member and
 * the rules between them; `Sandbox.make` and `Sandbox.makeWith` decode before any
 * native call.
 *
 * @since 0.1.0
 * @category models
 */
export const SandboxConfig = internal.SandboxConfig

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
  // Options are functions: a first argument that is an object, or that is not a function
  // and has options after it, is the configuration (a bad one is kept for decoding to report).
  (args) =>
    (typeof args[0] === "object" && args[0] !== null) || (args.length >= 2 && typeof args[0] !== "function"),
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

/**
 * Whether the root filesystem is a disk image.
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasDiskImageRoot: (c: SandboxConfig) => boolean = validation.hasDiskImageRoot

/**
 * Whether the root filesystem comes from an OCI image (not a local path).
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasOciImage: (c: SandboxConfig) => boolean = validation.hasOciImage

/**
 * Checks a sandbox name: a string of 1–128 bytes, an ASCII letter or digit first,
 * then `[A-Za-z0-9._-]`. Returns the reason, or undefined.
 *
 * @since 0.1.0
 * @category validation
 */
export const checkName: (name: string) => string | undefined = validation.checkName

/**
 * Decodes a configuration for a sandbox name, whatever its origin (options, a value
 * loaded from JSON, a JavaScript caller): the first problem as `InvalidConfig` naming
 * the member. Succeeds with the decoded configuration.
 *
 * @since 0.1.0
 * @category validation
 */
export const validate: (
  name: string,
  config: SandboxConfig,
  operation?: string
) => Either.Either<SandboxConfig, InvalidConfig> = validation.validate

// ------------------------------------------------------------------ encoding (docs/runtime-abi.md §6)

/**
 * The create-options document the runtime expects (zero values omitted, durations
 * rounded up). Secrets (registry password, secret values, the TLS CA key) stay
 * `Redacted` in it: they are revealed only when the library writes the document for
 * the native call. A configuration that was never validated may hold what no document
 * can carry (a negative duration; a member of the wrong type from JavaScript): then
 * `InvalidConfig` naming the member (`validate` reports every such problem first).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encode: (c: SandboxConfig) => Either.Either<Record<string, unknown>, InvalidConfig> =
  encoding.encode

// ------------------------------------------------------------------ the persisted form

/**
 * Parses the runtime's persisted configuration (`config_json` of a sandbox record, in
 * the form the real runtime writes: see docs/real-runtime.md) into a `SandboxConfig`.
 * Fields the runtime does not persist (secrets, registry credentials, replace, detached)
 * are absent; the runtime's defaults (cpus, memory, pull policy, profiles) are present.
 *
 * @since 0.1.0
 * @category encoding
 */
export const fromPersisted: (configJson: string) => Either.Either<SandboxConfig, string> =
  persisted.fromPersisted
