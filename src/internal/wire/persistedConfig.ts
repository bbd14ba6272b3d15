/**
 * The runtime's persisted sandbox configuration (`config_json` of a sandbox record), as
 * the real runtime (0.6.14) writes it: the serde form of its sandbox spec. Measured from
 * the real runtime (test/fixtures/real/config-*.json); the shape is documented in
 * docs/runtime-abi.md §8 and docs/real-runtime.md.
 *
 * Decoded through one Schema, compiled once, into the library's `SandboxConfig` model.
 * What the model cannot express (rlimits, patches, network policy, vsock, the manifest
 * digest) is read and checked but not carried over.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { SandboxConfig as Config } from "../../SandboxConfig.js"
import { SandboxConfig } from "../config/model.js"

const opt = <S extends Schema.Schema.Any>(schema: S) => Schema.optional(Schema.NullOr(schema))
const StringMap = Schema.Record({ key: Schema.String, value: Schema.String })
const DiskFormat = Schema.Literal("Qcow2", "Raw", "Vmdk")

const RootDisk = Schema.Union(
  Schema.Struct({ kind: Schema.Literal("managed"), size_mib: opt(Schema.Number) }),
  Schema.Struct({ kind: Schema.Literal("tmpfs"), size_mib: opt(Schema.Number) }),
  Schema.Struct({
    kind: Schema.Literal("disk-image"),
    path: Schema.String,
    format: DiskFormat,
    fstype: opt(Schema.String)
  }),
  Schema.Struct({
    kind: Schema.Literal("flat"),
    size_mib: opt(Schema.Number),
    fstype: opt(Schema.String),
    clone: Schema.optional(Schema.Literal("auto", "copy", "reflink"))
  })
)

const Image = Schema.Union(
  Schema.Struct({
    Bind: Schema.Struct({ path: Schema.String, follow_root_symlinks: Schema.optional(Schema.Boolean) })
  }),
  Schema.Struct({ Oci: Schema.Struct({ reference: Schema.String, root_disk: opt(RootDisk) }) }),
  Schema.Struct({
    DiskImage: Schema.Struct({ path: Schema.String, format: DiskFormat, fstype: opt(Schema.String) })
  })
)

const MountFlags = Schema.Struct({
  readonly: Schema.optional(Schema.Boolean),
  noexec: Schema.optional(Schema.Boolean),
  nosuid: Schema.optional(Schema.Boolean),
  nodev: Schema.optional(Schema.Boolean)
})
const StatVirtualization = Schema.Literal("strict", "relaxed", "off")
const HostPermissions = Schema.Literal("private", "mirror")

const MountEntry = Schema.Union(
  Schema.Struct({
    type: Schema.Literal("Bind"),
    host: Schema.String,
    guest: Schema.String,
    options: Schema.optional(MountFlags),
    stat_virtualization: Schema.optional(StatVirtualization),
    host_permissions: Schema.optional(HostPermissions),
    follow_root_symlinks: Schema.optional(Schema.Boolean),
    quota_mib: opt(Schema.Number)
  }),
  Schema.Struct({
    type: Schema.Literal("Named"),
    name: Schema.String,
    guest: Schema.String,
    options: Schema.optional(MountFlags),
    stat_virtualization: Schema.optional(StatVirtualization),
    host_permissions: Schema.optional(HostPermissions),
    follow_root_symlinks: Schema.optional(Schema.Boolean)
  }),
  Schema.Struct({
    type: Schema.Literal("Tmpfs"),
    guest: Schema.String,
    size_mib: opt(Schema.Number),
    options: Schema.optional(MountFlags)
  }),
  Schema.Struct({
    type: Schema.Literal("DiskImage"),
    host: Schema.String,
    guest: Schema.String,
    format: DiskFormat,
    fstype: opt(Schema.String),
    options: Schema.optional(MountFlags)
  })
)

const PublishedPort = Schema.Struct({
  host_port: Schema.Number,
  guest_port: Schema.Number,
  protocol: Schema.optional(Schema.Literal("tcp", "udp")),
  host_bind: Schema.String
})

/** The persisted document, field by field as the real runtime writes it. */
export const PersistedConfig = Schema.Struct({
  name: Schema.String,
  image: Image,
  resources: Schema.Struct({
    cpus: Schema.Number,
    memory_mib: Schema.Number,
    max_cpus: Schema.Number,
    max_memory_mib: Schema.Number,
    cpu_placement: Schema.optional(Schema.Literal("inherit", "auto", "spread", "compact")),
    placement_profile: opt(Schema.String),
    thp: Schema.optional(Schema.Literal("always", "madvise", "never"))
  }),
  runtime: Schema.Struct({
    workdir: opt(Schema.String),
    shell: opt(Schema.String),
    scripts: Schema.optional(StringMap),
    entrypoint: opt(Schema.Array(Schema.String)),
    cmd: opt(Schema.Array(Schema.String)),
    hostname: opt(Schema.String),
    user: opt(Schema.String),
    log_level: opt(Schema.Literal("error", "warn", "info", "debug", "trace")),
    metrics_sample_interval_ms: opt(Schema.Number),
    disable_metrics_sample: Schema.optional(Schema.Boolean)
  }),
  env: Schema.Array(Schema.Struct({ key: Schema.String, value: Schema.String })),
  labels: StringMap,
  rlimits: Schema.Array(Schema.Struct({ resource: Schema.String, soft: Schema.Number, hard: Schema.Number })),
  mounts: Schema.Array(MountEntry),
  patches: Schema.Array(Schema.Unknown),
  network: Schema.Struct({
    enabled: Schema.Boolean,
    ports: Schema.Array(PublishedPort),
    max_connections: opt(Schema.Number),
    trust_host_cas: Schema.Boolean
  }),
  init: opt(Schema.Struct({
    cmd: Schema.String,
    args: Schema.optional(Schema.Array(Schema.String)),
    env: Schema.optional(Schema.Array(Schema.Tuple(Schema.String, Schema.String)))
  })),
  pull_policy: Schema.Literal("IfMissing", "Always", "Never"),
  security_profile: Schema.Literal("default", "restricted"),
  deployment_profile: Schema.Literal("single_tenant", "multi_tenant"),
  lifecycle: Schema.Struct({
    ephemeral: Schema.Boolean,
    max_duration_secs: opt(Schema.Number),
    idle_timeout_secs: opt(Schema.Number)
  }),
  manifest_digest: opt(Schema.String)
})

/** @internal */
export type PersistedConfig = typeof PersistedConfig.Type

const decode = Schema.decodeUnknownEither(Schema.parseJson(PersistedConfig), { onExcessProperty: "ignore" })

const pullPolicies = { IfMissing: "if-missing", Always: "always", Never: "never" } as const
const diskFormats = { Qcow2: "qcow2", Raw: "raw", Vmdk: "vmdk" } as const

const present = <A>(value: A | null | undefined): value is A => value !== null && value !== undefined

const flagsOf = (options: typeof MountFlags.Type | undefined) => {
  const out: Record<string, boolean> = {}
  for (const flag of ["readonly", "noexec", "nosuid", "nodev"] as const) {
    if (options?.[flag] === true) out[flag] = true
  }
  return out
}

const rootSource = (image: PersistedConfig["image"]): Record<string, unknown> => {
  if ("Bind" in image) return { image: image.Bind.path }
  if ("DiskImage" in image) {
    return {
      image: image.DiskImage.path,
      ...(present(image.DiskImage.fstype) ? { imageFstype: image.DiskImage.fstype } : {})
    }
  }
  const disk = image.Oci.root_disk
  if (!present(disk)) return { image: image.Oci.reference }
  const size = "size_mib" in disk && present(disk.size_mib) ? { sizeMib: disk.size_mib } : {}
  const rootDisk = disk.kind === "disk-image"
    ? {
      _tag: "disk-image",
      path: disk.path,
      ...(disk.format !== "Vmdk" ? { format: diskFormats[disk.format] } : {}),
      ...(present(disk.fstype) ? { fstype: disk.fstype } : {})
    }
    : disk.kind === "flat"
    ? {
      _tag: "flat",
      ...size,
      ...(present(disk.fstype) ? { fstype: disk.fstype } : {}),
      ...(disk.clone ? { clone: disk.clone } : {})
    }
    : { _tag: disk.kind, ...size }
  return { image: image.Oci.reference, rootDisk }
}

const mountOf = (m: PersistedConfig["mounts"][number]): Record<string, unknown> => {
  switch (m.type) {
    case "Bind":
      return {
        _tag: "bind",
        hostPath: m.host,
        ...(present(m.quota_mib) ? { quotaMib: m.quota_mib } : {}),
        ...flagsOf(m.options),
        ...(m.stat_virtualization ? { statVirtualization: m.stat_virtualization } : {}),
        ...(m.host_permissions ? { hostPermissions: m.host_permissions } : {})
      }
    case "Named":
      return {
        _tag: "named",
        name: m.name,
        ...flagsOf(m.options),
        ...(m.stat_virtualization ? { statVirtualization: m.stat_virtualization } : {}),
        ...(m.host_permissions ? { hostPermissions: m.host_permissions } : {})
      }
    case "Tmpfs":
      return { _tag: "tmpfs", ...(present(m.size_mib) ? { sizeMib: m.size_mib } : {}), ...flagsOf(m.options) }
    case "DiskImage":
      return {
        _tag: "disk",
        hostPath: m.host,
        format: diskFormats[m.format],
        ...(present(m.fstype) ? { fstype: m.fstype } : {}),
        ...flagsOf(m.options)
      }
  }
}

/**
 * The persisted configuration in the library's vocabulary (the fields of `SandboxConfig`);
 * the public `SandboxConfig.fromPersisted` decodes it through the `SandboxConfig` Schema.
 */
export const toModelFields = (p: PersistedConfig): Record<string, unknown> => {
  const rt = p.runtime
  const r = p.resources
  const tcp = p.network.ports.filter((port) =>
    (port.protocol ?? "tcp") === "tcp" && port.host_bind === "127.0.0.1"
  )
  const udp = p.network.ports.filter((port) => port.protocol === "udp" && port.host_bind === "127.0.0.1")
  const bound = p.network.ports.filter((port) => port.host_bind !== "127.0.0.1")
  const out: Record<string, unknown> = {
    ...rootSource(p.image),
    cpus: r.cpus,
    memoryMib: r.memory_mib,
    maxCpus: r.max_cpus,
    maxMemoryMib: r.max_memory_mib,
    ...(r.cpu_placement !== undefined ? { cpuPlacement: r.cpu_placement } : {}),
    ...(present(r.placement_profile) ? { placementProfile: r.placement_profile } : {}),
    ...(r.thp !== undefined ? { thp: r.thp } : {}),
    ...(present(rt.workdir) ? { workdir: rt.workdir } : {}),
    ...(present(rt.shell) ? { shell: rt.shell } : {}),
    ...(rt.scripts !== undefined && Object.keys(rt.scripts).length > 0 ? { scripts: rt.scripts } : {}),
    ...(present(rt.entrypoint) ? { entrypoint: rt.entrypoint } : {}),
    ...(present(rt.cmd) ? { cmd: rt.cmd } : {}),
    ...(present(rt.hostname) ? { hostname: rt.hostname } : {}),
    ...(present(rt.user) ? { user: rt.user } : {}),
    ...(present(rt.log_level) ? { logLevel: rt.log_level } : {}),
    ...(p.env.length > 0 ? { env: Object.fromEntries(p.env.map((e) => [e.key, e.value])) } : {}),
    ...(Object.keys(p.labels).length > 0 ? { labels: p.labels } : {}),
    ...(p.mounts.length > 0
      ? { mounts: Object.fromEntries(p.mounts.map((m) => [m.guest, mountOf(m)])) }
      : {}),
    ...(tcp.length > 0
      ? { ports: Object.fromEntries(tcp.map((t) => [String(t.host_port), t.guest_port])) }
      : {}),
    ...(udp.length > 0
      ? { portsUdp: Object.fromEntries(udp.map((t) => [String(t.host_port), t.guest_port])) }
      : {}),
    ...(bound.length > 0
      ? {
        portBindings: bound.map((b) => ({
          hostPort: b.host_port,
          guestPort: b.guest_port,
          bind: b.host_bind,
          protocol: b.protocol ?? "tcp"
        }))
      }
      : {}),
    ...(present(p.init)
      ? {
        init: {
          cmd: p.init.cmd,
          ...(p.init.args !== undefined && p.init.args.length > 0 ? { args: p.init.args } : {}),
          ...(p.init.env !== undefined && p.init.env.length > 0
            ? { env: Object.fromEntries(p.init.env) }
            : {})
        }
      }
      : {}),
    pullPolicy: pullPolicies[p.pull_policy],
    securityProfile: p.security_profile,
    deploymentProfile: p.deployment_profile === "single_tenant" ? "single-tenant" : "multi-tenant",
    ...(p.lifecycle.ephemeral ? { ephemeral: true } : {}),
    ...(present(p.lifecycle.max_duration_secs)
      ? { maxDuration: Duration.seconds(p.lifecycle.max_duration_secs) }
      : {}),
    ...(present(p.lifecycle.idle_timeout_secs)
      ? { idleTimeout: Duration.seconds(p.lifecycle.idle_timeout_secs) }
      : {})
  }
  return out
}

/** Parses `config_json` text into model fields; the failure is the decoder's message. */
export const parsePersisted = (configJson: string): Either.Either<Record<string, unknown>, string> =>
  decode(configJson).pipe(
    Either.mapLeft((e) => ParseResult.TreeFormatter.formatErrorSync(e)),
    Either.map(toModelFields)
  )

const decodeModel = Schema.decodeUnknownEither(SandboxConfig)

/**
 * Parses the runtime's persisted configuration (`config_json` of a sandbox record, in
 * the form the real runtime writes: see docs/real-runtime.md) into a `SandboxConfig`.
 * Fields the runtime does not persist (secrets, registry credentials, replace, detached)
 * are absent; the runtime's defaults (cpus, memory, pull policy, profiles) are present.
 */
export const fromPersisted = (configJson: string): Either.Either<Config, string> =>
  Either.flatMap(
    parsePersisted(configJson),
    (fields) => Either.mapLeft(decodeModel(fields), (e) => ParseResult.TreeFormatter.formatErrorSync(e))
  )
