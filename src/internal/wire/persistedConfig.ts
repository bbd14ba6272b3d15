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
import { onFirstUse } from "../compiled.js"
import { SandboxConfig } from "../config/model.js"
import * as W from "../wireCodec.js"

/** An optional member, `null` on the wire read as absent. */
const opt = <A, I>(schema: Schema.Schema<A, I>) => Schema.optionalWith(schema, { nullable: true })
/** An optional member read from the document's snake_case `key`. */
const optFrom = <const K extends string, A, I>(key: K, schema: Schema.Schema<A, I>) =>
  opt(schema).pipe(Schema.fromKey(key))
/** A member that may be omitted, read from `key`. */
const omittable = <const K extends string, A, I>(key: K, schema: Schema.Schema<A, I>) =>
  Schema.optional(schema).pipe(Schema.fromKey(key))
const StringMap = Schema.Record({ key: Schema.String, value: Schema.String })
/** The runtime's disk formats in the library's vocabulary. */
const DiskFormat = Schema.transformLiterals(["Qcow2", "qcow2"], ["Raw", "raw"], ["Vmdk", "vmdk"])
const DurationFromSeconds = Schema.transform(Schema.Number, Schema.DurationFromSelf, {
  strict: true,
  decode: (s) => Duration.seconds(s),
  encode: (d) => Duration.toSeconds(d)
})

const RootDisk = Schema.Union(
  Schema.Struct({ kind: Schema.Literal("managed"), sizeMib: optFrom("size_mib", Schema.Number) }),
  Schema.Struct({ kind: Schema.Literal("tmpfs"), sizeMib: optFrom("size_mib", Schema.Number) }),
  Schema.Struct({
    kind: Schema.Literal("disk-image"),
    path: Schema.String,
    format: DiskFormat,
    fstype: opt(Schema.String)
  }),
  Schema.Struct({
    kind: Schema.Literal("flat"),
    sizeMib: optFrom("size_mib", Schema.Number),
    fstype: opt(Schema.String),
    clone: Schema.optional(Schema.Literal("auto", "copy", "reflink"))
  })
)

const Image = Schema.Union(
  Schema.Struct({
    Bind: Schema.Struct({
      path: Schema.String,
      followRootSymlinks: omittable("follow_root_symlinks", Schema.Boolean)
    })
  }),
  Schema.Struct({
    Oci: Schema.Struct({ reference: Schema.String, rootDisk: optFrom("root_disk", RootDisk) })
  }),
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
const shared = {
  guest: Schema.String,
  options: Schema.optional(MountFlags),
  statVirtualization: omittable("stat_virtualization", Schema.Literal("strict", "relaxed", "off")),
  hostPermissions: omittable("host_permissions", Schema.Literal("private", "mirror")),
  followRootSymlinks: omittable("follow_root_symlinks", Schema.Boolean)
}

const MountEntry = Schema.Union(
  Schema.Struct({
    type: Schema.Literal("Bind"),
    hostPath: W.field("host", Schema.String),
    ...shared,
    quotaMib: optFrom("quota_mib", Schema.Number)
  }),
  Schema.Struct({ type: Schema.Literal("Named"), name: Schema.String, ...shared }),
  Schema.Struct({
    type: Schema.Literal("Tmpfs"),
    guest: Schema.String,
    sizeMib: optFrom("size_mib", Schema.Number),
    options: Schema.optional(MountFlags)
  }),
  Schema.Struct({
    type: Schema.Literal("DiskImage"),
    hostPath: W.field("host", Schema.String),
    guest: Schema.String,
    format: DiskFormat,
    fstype: opt(Schema.String),
    options: Schema.optional(MountFlags)
  })
)

const PublishedPort = Schema.Struct({
  hostPort: W.field("host_port", Schema.Number),
  guestPort: W.field("guest_port", Schema.Number),
  protocol: Schema.optionalWith(Schema.Literal("tcp", "udp"), { default: () => "tcp" }),
  bind: W.field("host_bind", Schema.String)
})

/**
 * The persisted document as the real runtime writes it, its members renamed to the
 * library's names and its simple values (formats, policies, profiles, durations)
 * converted by the Schema.
 */
export const PersistedConfig = Schema.Struct({
  name: Schema.String,
  image: Image,
  resources: Schema.Struct({
    cpus: Schema.Number,
    memoryMib: W.field("memory_mib", Schema.Number),
    maxCpus: W.field("max_cpus", Schema.Number),
    maxMemoryMib: W.field("max_memory_mib", Schema.Number),
    cpuPlacement: omittable("cpu_placement", Schema.Literal("inherit", "auto", "spread", "compact")),
    placementProfile: optFrom("placement_profile", Schema.String),
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
    logLevel: optFrom("log_level", Schema.Literal("error", "warn", "info", "debug", "trace")),
    metricsSampleIntervalMs: optFrom("metrics_sample_interval_ms", Schema.Number),
    disableMetricsSample: omittable("disable_metrics_sample", Schema.Boolean)
  }),
  env: Schema.Array(Schema.Struct({ key: Schema.String, value: Schema.String })),
  labels: StringMap,
  rlimits: Schema.Array(Schema.Struct({ resource: Schema.String, soft: Schema.Number, hard: Schema.Number })),
  mounts: Schema.Array(MountEntry),
  patches: Schema.Array(Schema.Unknown),
  network: Schema.Struct({
    enabled: Schema.Boolean,
    ports: Schema.Array(PublishedPort),
    maxConnections: optFrom("max_connections", Schema.Number),
    trustHostCas: W.field("trust_host_cas", Schema.Boolean)
  }),
  init: opt(Schema.Struct({
    cmd: Schema.String,
    args: Schema.optional(Schema.Array(Schema.String)),
    env: Schema.optional(Schema.Array(Schema.Tuple(Schema.String, Schema.String)))
  })),
  pullPolicy: W.field(
    "pull_policy",
    Schema.transformLiterals(["IfMissing", "if-missing"], ["Always", "always"], ["Never", "never"])
  ),
  securityProfile: W.field("security_profile", Schema.Literal("default", "restricted")),
  deploymentProfile: W.field(
    "deployment_profile",
    Schema.transformLiterals(["single_tenant", "single-tenant"], ["multi_tenant", "multi-tenant"])
  ),
  lifecycle: Schema.Struct({
    ephemeral: Schema.Boolean,
    maxDuration: optFrom("max_duration_secs", DurationFromSeconds),
    idleTimeout: optFrom("idle_timeout_secs", DurationFromSeconds)
  }),
  manifestDigest: optFrom("manifest_digest", Schema.String)
})

/** @internal */
export type PersistedConfig = typeof PersistedConfig.Type

const decode = onFirstUse(() =>
  Schema.decodeUnknownEither(Schema.parseJson(PersistedConfig), { onExcessProperty: "ignore" })
)

/** The members of `o` that are present (not `undefined`). */
const defined = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))

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
    return defined({ image: image.DiskImage.path, imageFstype: image.DiskImage.fstype })
  }
  const disk = image.Oci.rootDisk
  if (disk === undefined) return { image: image.Oci.reference }
  const rootDisk = disk.kind === "disk-image"
    ? defined({
      _tag: "disk-image",
      path: disk.path,
      format: disk.format !== "vmdk" ? disk.format : undefined,
      fstype: disk.fstype
    })
    : disk.kind === "flat"
    ? defined({ _tag: "flat", sizeMib: disk.sizeMib, fstype: disk.fstype, clone: disk.clone })
    : defined({ _tag: disk.kind, sizeMib: disk.sizeMib })
  return { image: image.Oci.reference, rootDisk }
}

const mountOf = (m: PersistedConfig["mounts"][number]): Record<string, unknown> => {
  switch (m.type) {
    case "Bind":
      return defined({
        _tag: "bind",
        hostPath: m.hostPath,
        quotaMib: m.quotaMib,
        ...flagsOf(m.options),
        statVirtualization: m.statVirtualization,
        hostPermissions: m.hostPermissions
      })
    case "Named":
      return defined({
        _tag: "named",
        name: m.name,
        ...flagsOf(m.options),
        statVirtualization: m.statVirtualization,
        hostPermissions: m.hostPermissions
      })
    case "Tmpfs":
      return defined({ _tag: "tmpfs", sizeMib: m.sizeMib, ...flagsOf(m.options) })
    case "DiskImage":
      return defined({
        _tag: "disk",
        hostPath: m.hostPath,
        format: m.format,
        fstype: m.fstype,
        ...flagsOf(m.options)
      })
  }
}

const nonEmpty = <A>(items: ReadonlyArray<A> | undefined) => items !== undefined && items.length > 0
const nonEmptyRecord = (r: Record<string, unknown> | undefined) =>
  r !== undefined && Object.keys(r).length > 0

/**
 * The persisted configuration in the library's vocabulary (the fields of `SandboxConfig`):
 * the members are already renamed and converted by the Schema; this only reshapes (the
 * image source, mounts keyed by guest path, ports split by protocol and bind address).
 * The public `SandboxConfig.fromPersisted` decodes it through the `SandboxConfig` Schema.
 */
export const toModelFields = (p: PersistedConfig): Record<string, unknown> => {
  const { cpuPlacement, cpus, maxCpus, maxMemoryMib, memoryMib, placementProfile, thp } = p.resources
  const { cmd, entrypoint, hostname, logLevel, shell, user, workdir } = p.runtime
  const local = (port: (typeof p.network.ports)[number]) => port.bind === "127.0.0.1"
  const tcp = p.network.ports.filter((port) => port.protocol === "tcp" && local(port))
  const udp = p.network.ports.filter((port) => port.protocol === "udp" && local(port))
  const bound = p.network.ports.filter((port) => !local(port))
  const byHostPort = (ports: typeof tcp) =>
    Object.fromEntries(ports.map((t) => [String(t.hostPort), t.guestPort]))
  return defined({
    ...rootSource(p.image),
    cpus,
    memoryMib,
    maxCpus,
    maxMemoryMib,
    cpuPlacement,
    placementProfile,
    thp,
    workdir,
    shell,
    scripts: nonEmptyRecord(p.runtime.scripts) ? p.runtime.scripts : undefined,
    entrypoint,
    cmd,
    hostname,
    user,
    logLevel,
    env: nonEmpty(p.env) ? Object.fromEntries(p.env.map((e) => [e.key, e.value])) : undefined,
    labels: nonEmptyRecord(p.labels) ? p.labels : undefined,
    mounts: nonEmpty(p.mounts) ? Object.fromEntries(p.mounts.map((m) => [m.guest, mountOf(m)])) : undefined,
    ports: nonEmpty(tcp) ? byHostPort(tcp) : undefined,
    portsUdp: nonEmpty(udp) ? byHostPort(udp) : undefined,
    portBindings: nonEmpty(bound)
      ? bound.map((b) => ({
        hostPort: b.hostPort,
        guestPort: b.guestPort,
        bind: b.bind,
        protocol: b.protocol
      }))
      : undefined,
    init: p.init !== undefined
      ? defined({
        cmd: p.init.cmd,
        args: nonEmpty(p.init.args) ? p.init.args : undefined,
        env: p.init.env !== undefined && p.init.env.length > 0 ? Object.fromEntries(p.init.env) : undefined
      })
      : undefined,
    pullPolicy: p.pullPolicy,
    securityProfile: p.securityProfile,
    deploymentProfile: p.deploymentProfile,
    ephemeral: p.lifecycle.ephemeral ? true : undefined,
    maxDuration: p.lifecycle.maxDuration,
    idleTimeout: p.lifecycle.idleTimeout
  })
}

/** Parses `config_json` text into model fields; the failure is the decoder's message. */
export const parsePersisted = (configJson: string): Either.Either<Record<string, unknown>, string> =>
  decode(configJson).pipe(
    Either.mapLeft((e) => ParseResult.TreeFormatter.formatErrorSync(e)),
    Either.map(toModelFields)
  )

const decodeModel = onFirstUse(() => Schema.decodeUnknownEither(SandboxConfig))

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
