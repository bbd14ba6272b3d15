/**
 * The error model (re-exported, with its documentation, by the public MicrosandboxError
 * module): the TypeId, the tagged error classes, their union and the per-operation
 * unions as Schemas, and the runtime's error kinds. Internal modules construct and
 * narrow errors through this module, so that none of them imports a value from a
 * public module.
 *
 * @internal
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

/** Carried by every error class of this library: `isMicrosandboxError` checks it. */
export const TypeId: unique symbol = Symbol.for("effect-microsandbox/MicrosandboxError")
export type TypeId = typeof TypeId

const common = {
  message: Schema.String,
  operation: Schema.String,
  sandbox: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.Defect)
}

// ------------------------------------------------------------------ runtime kinds (§1.3)

/** `sandbox_not_found`: no sandbox (or no log directory) by that name. */
export class SandboxNotFound
  extends Schema.TaggedError<SandboxNotFound>("effect-microsandbox/SandboxNotFound")(
    "SandboxNotFound",
    common
  )
{
  readonly [TypeId]: TypeId = TypeId
}
/** `sandbox_still_running`: remove/start of a sandbox that is running or draining. */
export class SandboxStillRunning
  extends Schema.TaggedError<SandboxStillRunning>("effect-microsandbox/SandboxStillRunning")(
    "SandboxStillRunning",
    common
  )
{
  readonly [TypeId]: TypeId = TypeId
}
/** `sandbox_not_running`: connect, by-name ping/touch/metrics of a sandbox that is not running. */
export class SandboxNotRunning
  extends Schema.TaggedError<SandboxNotRunning>("effect-microsandbox/SandboxNotRunning")(
    "SandboxNotRunning",
    common
  )
{
  readonly [TypeId]: TypeId = TypeId
}
/** `volume_not_found`. */
export class VolumeNotFound
  extends Schema.TaggedError<VolumeNotFound>("effect-microsandbox/VolumeNotFound")("VolumeNotFound", common)
{
  readonly [TypeId]: TypeId = TypeId
}
/** `volume_already_exists`. */
export class VolumeAlreadyExists
  extends Schema.TaggedError<VolumeAlreadyExists>("effect-microsandbox/VolumeAlreadyExists")(
    "VolumeAlreadyExists",
    common
  )
{
  readonly [TypeId]: TypeId = TypeId
}
/** `exec_timeout`: a command ran past its timeout and was killed. */
export class ExecTimeout
  extends Schema.TaggedError<ExecTimeout>("effect-microsandbox/ExecTimeout")("ExecTimeout", common)
{
  readonly [TypeId]: TypeId = TypeId
}
/** `no_default_command`: the image defines neither entrypoint nor cmd. */
export class NoDefaultCommand
  extends Schema.TaggedError<NoDefaultCommand>("effect-microsandbox/NoDefaultCommand")(
    "NoDefaultCommand",
    common
  )
{
  readonly [TypeId]: TypeId = TypeId
}
/** `invalid_config`. */
export class InvalidConfig
  extends Schema.TaggedError<InvalidConfig>("effect-microsandbox/InvalidConfig")("InvalidConfig", {
    ...common,
    field: Schema.optional(Schema.String)
  })
{
  readonly [TypeId]: TypeId = TypeId
}
/** `invalid_argument`. */
export class InvalidArgument
  extends Schema.TaggedError<InvalidArgument>("effect-microsandbox/InvalidArgument")("InvalidArgument", {
    ...common,
    argument: Schema.optional(Schema.String)
  })
{
  readonly [TypeId]: TypeId = TypeId
}
/** `invalid_handle`: a handle that was already closed or never existed. */
export class InvalidHandle
  extends Schema.TaggedError<InvalidHandle>("effect-microsandbox/InvalidHandle")("InvalidHandle", common)
{
  readonly [TypeId]: TypeId = TypeId
}
/** `buffer_too_small`: a read result did not fit even after one retry at the reported size. */
export class BufferTooSmall
  extends Schema.TaggedError<BufferTooSmall>("effect-microsandbox/BufferTooSmall")("BufferTooSmall", common)
{
  readonly [TypeId]: TypeId = TypeId
}
/** `internal`: the runtime's catch-all (also name clashes, pull failures, agent transport errors). */
export class Internal
  extends Schema.TaggedError<Internal>("effect-microsandbox/Internal")("Internal", common)
{
  readonly [TypeId]: TypeId = TypeId
}
/** `filesystem`: a guest filesystem operation failed. */
export class Filesystem
  extends Schema.TaggedError<Filesystem>("effect-microsandbox/Filesystem")("Filesystem", {
    ...common,
    path: Schema.optional(Schema.String)
  })
{
  readonly [TypeId]: TypeId = TypeId
}
/** `image_not_found`. */
export class ImageNotFound
  extends Schema.TaggedError<ImageNotFound>("effect-microsandbox/ImageNotFound")("ImageNotFound", common)
{
  readonly [TypeId]: TypeId = TypeId
}
/** `image_in_use`. */
export class ImageInUse
  extends Schema.TaggedError<ImageInUse>("effect-microsandbox/ImageInUse")("ImageInUse", common)
{
  readonly [TypeId]: TypeId = TypeId
}
/** `snapshot_not_found`. */
export class SnapshotNotFound
  extends Schema.TaggedError<SnapshotNotFound>("effect-microsandbox/SnapshotNotFound")(
    "SnapshotNotFound",
    common
  )
{
  readonly [TypeId]: TypeId = TypeId
}
/** `snapshot_already_exists`. */
export class SnapshotAlreadyExists
  extends Schema.TaggedError<SnapshotAlreadyExists>("effect-microsandbox/SnapshotAlreadyExists")(
    "SnapshotAlreadyExists",
    common
  )
{
  readonly [TypeId]: TypeId = TypeId
}
/** `snapshot_sandbox_running`. */
export class SnapshotSandboxRunning
  extends Schema.TaggedError<SnapshotSandboxRunning>("effect-microsandbox/SnapshotSandboxRunning")(
    "SnapshotSandboxRunning",
    common
  )
{
  readonly [TypeId]: TypeId = TypeId
}
/** `snapshot_image_missing`. */
export class SnapshotImageMissing
  extends Schema.TaggedError<SnapshotImageMissing>("effect-microsandbox/SnapshotImageMissing")(
    "SnapshotImageMissing",
    common
  )
{
  readonly [TypeId]: TypeId = TypeId
}
/** `snapshot_integrity`. */
export class SnapshotIntegrity
  extends Schema.TaggedError<SnapshotIntegrity>("effect-microsandbox/SnapshotIntegrity")(
    "SnapshotIntegrity",
    common
  )
{
  readonly [TypeId]: TypeId = TypeId
}
/** `snapshot_migration`. */
export class SnapshotMigration
  extends Schema.TaggedError<SnapshotMigration>("effect-microsandbox/SnapshotMigration")(
    "SnapshotMigration",
    common
  )
{
  readonly [TypeId]: TypeId = TypeId
}
/** `patch_failed`: a rootfs patch could not be applied before boot. */
export class PatchFailed
  extends Schema.TaggedError<PatchFailed>("effect-microsandbox/PatchFailed")("PatchFailed", common)
{
  readonly [TypeId]: TypeId = TypeId
}
/** `metrics_disabled`: the sandbox's config disables metrics sampling. */
export class MetricsDisabled
  extends Schema.TaggedError<MetricsDisabled>("effect-microsandbox/MetricsDisabled")(
    "MetricsDisabled",
    common
  )
{
  readonly [TypeId]: TypeId = TypeId
}
/** `metrics_unavailable`: no sample could be taken. */
export class MetricsUnavailable
  extends Schema.TaggedError<MetricsUnavailable>("effect-microsandbox/MetricsUnavailable")(
    "MetricsUnavailable",
    common
  )
{
  readonly [TypeId]: TypeId = TypeId
}
/** `unsupported_operation`: not available on this backend or runtime. */
export class UnsupportedOperation
  extends Schema.TaggedError<UnsupportedOperation>("effect-microsandbox/UnsupportedOperation")(
    "UnsupportedOperation",
    common
  )
{
  readonly [TypeId]: TypeId = TypeId
}
/** `io`: a host-side I/O error. */
export class Io extends Schema.TaggedError<Io>("effect-microsandbox/Io")("Io", common) {
  readonly [TypeId]: TypeId = TypeId
}

// ------------------------------------------------------------------ documented by the seed, not yet emitted

/** A sandbox of that name exists. */
export class SandboxAlreadyExists
  extends Schema.TaggedError<SandboxAlreadyExists>("effect-microsandbox/SandboxAlreadyExists")(
    "SandboxAlreadyExists",
    common
  )
{
  readonly [TypeId]: TypeId = TypeId
}
/** A command could not be started in the sandbox. */
export class ExecFailed
  extends Schema.TaggedError<ExecFailed>("effect-microsandbox/ExecFailed")("ExecFailed", {
    ...common,
    reason: Schema.optional(Schema.String),
    errno: Schema.optional(Schema.Number)
  })
{
  readonly [TypeId]: TypeId = TypeId
}
/** A guest path does not exist. */
export class PathNotFound
  extends Schema.TaggedError<PathNotFound>("effect-microsandbox/PathNotFound")("PathNotFound", {
    ...common,
    path: Schema.String
  })
{
  readonly [TypeId]: TypeId = TypeId
}
/** The image could not be pulled. */
export class ImagePullFailed
  extends Schema.TaggedError<ImagePullFailed>("effect-microsandbox/ImagePullFailed")(
    "ImagePullFailed",
    common
  )
{
  readonly [TypeId]: TypeId = TypeId
}
/** The network policy rejected something. */
export class NetworkPolicy
  extends Schema.TaggedError<NetworkPolicy>("effect-microsandbox/NetworkPolicy")("NetworkPolicy", common)
{
  readonly [TypeId]: TypeId = TypeId
}
/** A secret was about to reach a host it is not allowed for. */
export class SecretViolation
  extends Schema.TaggedError<SecretViolation>("effect-microsandbox/SecretViolation")(
    "SecretViolation",
    common
  )
{
  readonly [TypeId]: TypeId = TypeId
}
/** TLS interception or verification failed. */
export class Tls extends Schema.TaggedError<Tls>("effect-microsandbox/Tls")("Tls", common) {
  readonly [TypeId]: TypeId = TypeId
}

// ------------------------------------------------------------------ the library's own

/** One place the library was looked for, and why it did not load. */
export const LoadAttempt = Schema.Struct({
  source: Schema.Literal("explicit", "MICROSANDBOX_FFI_PATH", "install"),
  path: Schema.String,
  reason: Schema.String
})
export type LoadAttempt = typeof LoadAttempt.Type

/** The runtime library could not be loaded from any source. */
export class LibraryNotLoaded
  extends Schema.TaggedError<LibraryNotLoaded>("effect-microsandbox/LibraryNotLoaded")("LibraryNotLoaded", {
    ...common,
    attempts: Schema.Array(LoadAttempt)
  })
{
  readonly [TypeId]: TypeId = TypeId
}

/** A command exited with a non-zero code where success was required. */
export class NonZeroExit
  extends Schema.TaggedError<NonZeroExit>("effect-microsandbox/NonZeroExit")("NonZeroExit", {
    ...common,
    command: Schema.String,
    exitCode: Schema.Number,
    stderr: Schema.String
  })
{
  readonly [TypeId]: TypeId = TypeId
}

/** An operation that needs an interactive terminal was called without one. */
export class NotATerminal
  extends Schema.TaggedError<NotATerminal>("effect-microsandbox/NotATerminal")("NotATerminal", common)
{
  readonly [TypeId]: TypeId = TypeId
}

/** An error kind this version of the library does not know; `kind` keeps the raw value. */
export class Unknown extends Schema.TaggedError<Unknown>("effect-microsandbox/Unknown")("Unknown", {
  ...common,
  kind: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
}

// ------------------------------------------------------------------ installation, host diagnosis, boot failures

/** The runtime library could not be installed. */
export class InstallFailed
  extends Schema.TaggedError<InstallFailed>("effect-microsandbox/InstallFailed")("InstallFailed", {
    ...common,
    reason: Schema.Literal(
      "SkipDownload",
      "NoSource",
      "ProxyDisallowed",
      "DirectUnsupported",
      "ProxyFailed",
      "GoToolFailed",
      "NotInModule",
      "BadArchive",
      "UnsupportedPlatform",
      "WriteFailed"
    ),
    remedy: Schema.String
  })
{
  readonly [TypeId]: TypeId = TypeId
}

/** The module archive could not be verified. */
export class VerificationFailed
  extends Schema.TaggedError<VerificationFailed>("effect-microsandbox/VerificationFailed")(
    "VerificationFailed",
    {
      ...common,
      reason: Schema.Literal(
        "NoChecksumDatabase",
        "BadVerifierKey",
        "LookupFailed",
        "BadSignature",
        "NotInTree"
      ),
      remedy: Schema.String
    }
  )
{
  readonly [TypeId]: TypeId = TypeId
}

/** The module archive's `h1:` hash differs from the vouched-for one. */
export class ChecksumMismatch
  extends Schema.TaggedError<ChecksumMismatch>("effect-microsandbox/ChecksumMismatch")("ChecksumMismatch", {
    ...common,
    module: Schema.String,
    version: Schema.String,
    expected: Schema.String,
    actual: Schema.String
  })
{
  readonly [TypeId]: TypeId = TypeId
}

/** A host check of `Doctor.doctor` failed. */
export class DoctorCheckFailed
  extends Schema.TaggedError<DoctorCheckFailed>("effect-microsandbox/DoctorCheckFailed")(
    "DoctorCheckFailed",
    {
      ...common,
      check: Schema.String,
      remedy: Schema.String
    }
  )
{
  readonly [TypeId]: TypeId = TypeId
}

/** A sandbox did not boot. */
export class BootFailed
  extends Schema.TaggedError<BootFailed>("effect-microsandbox/BootFailed")("BootFailed", {
    ...common,
    reason: Schema.Literal("KvmInternalError", "KvmUnavailable", "ExitedBeforeRelay", "RelayTimeout"),
    processExit: Schema.optional(Schema.String),
    systemLog: Schema.Array(Schema.String),
    remedy: Schema.String
  })
{
  readonly [TypeId]: TypeId = TypeId
}

/** A document received from the runtime did not decode. */
export class MalformedResponse
  extends Schema.TaggedError<MalformedResponse>("effect-microsandbox/MalformedResponse")(
    "MalformedResponse",
    {
      ...common,
      raw: Schema.String
    }
  )
{
  readonly [TypeId]: TypeId = TypeId
}

/** The sandbox stopped, crashed or was removed while a command ran in it. */
export class SandboxLost
  extends Schema.TaggedError<SandboxLost>("effect-microsandbox/SandboxLost")("SandboxLost", {
    ...common,
    status: Schema.String
  })
{
  readonly [TypeId]: TypeId = TypeId
}

/** Every error this library produces. */
export const MicrosandboxError = Schema.Union(
  SandboxNotFound,
  SandboxStillRunning,
  SandboxNotRunning,
  VolumeNotFound,
  VolumeAlreadyExists,
  ExecTimeout,
  NoDefaultCommand,
  InvalidConfig,
  InvalidArgument,
  InvalidHandle,
  BufferTooSmall,
  Internal,
  Filesystem,
  ImageNotFound,
  ImageInUse,
  SnapshotNotFound,
  SnapshotAlreadyExists,
  SnapshotSandboxRunning,
  SnapshotImageMissing,
  SnapshotIntegrity,
  SnapshotMigration,
  PatchFailed,
  MetricsDisabled,
  MetricsUnavailable,
  UnsupportedOperation,
  Io,
  SandboxAlreadyExists,
  ExecFailed,
  PathNotFound,
  ImagePullFailed,
  NetworkPolicy,
  SecretViolation,
  Tls,
  LibraryNotLoaded,
  NonZeroExit,
  NotATerminal,
  Unknown,
  InstallFailed,
  VerificationFailed,
  ChecksumMismatch,
  DoctorCheckFailed,
  BootFailed,
  MalformedResponse,
  SandboxLost
)

export type MicrosandboxError = typeof MicrosandboxError.Type

// ------------------------------------------------------------------ per-operation unions

/** What any native call can report, whatever the operation. */
export const CallError = Schema.Union(
  Internal,
  InvalidArgument,
  InvalidHandle,
  BufferTooSmall,
  UnsupportedOperation,
  Io,
  Unknown,
  MalformedResponse
)
export type CallError = typeof CallError.Type

/** Creating, starting or connecting to a sandbox. */
export const LifecycleError = Schema.Union(
  CallError,
  InvalidConfig,
  SandboxAlreadyExists,
  SandboxNotFound,
  SandboxStillRunning,
  SandboxNotRunning,
  PatchFailed,
  ImagePullFailed,
  ImageNotFound,
  NetworkPolicy,
  Tls,
  BootFailed,
  // named volumes of a create (`existing` must exist; `create` must not), and a boot
  // from a snapshot
  VolumeNotFound,
  VolumeAlreadyExists,
  SnapshotNotFound,
  SnapshotIntegrity,
  SnapshotImageMissing
)
export type LifecycleError = typeof LifecycleError.Type

/** Stopping, killing, pinging, inspecting, listing or removing a sandbox. */
export const ControlError = Schema.Union(
  CallError,
  InvalidConfig,
  SandboxNotFound,
  SandboxStillRunning,
  SandboxNotRunning
)
export type ControlError = typeof ControlError.Type

/** Running a command. */
export const ExecError = Schema.Union(
  CallError,
  ExecFailed,
  ExecTimeout,
  NoDefaultCommand,
  NotATerminal,
  SandboxNotRunning,
  SandboxLost
)
export type ExecError = typeof ExecError.Type

/** The guest filesystem (`sandbox.fs`). */
export const FilesystemError = Schema.Union(CallError, Filesystem, PathNotFound, SandboxNotRunning)
export type FilesystemError = typeof FilesystemError.Type

/** Persisted output. */
export const LogsError = Schema.Union(CallError, SandboxNotFound)
export type LogsError = typeof LogsError.Type

/** Metrics. */
export const MetricsError = Schema.Union(
  CallError,
  MetricsDisabled,
  MetricsUnavailable,
  SandboxNotFound,
  SandboxNotRunning
)
export type MetricsError = typeof MetricsError.Type

/** SSH into a sandbox, SFTP included. */
export const SshError = Schema.Union(CallError, PathNotFound, NotATerminal, SandboxNotRunning)
export type SshError = typeof SshError.Type

/** Named volumes. */
export const VolumeError = Schema.Union(CallError, InvalidConfig, VolumeNotFound, VolumeAlreadyExists)
export type VolumeError = typeof VolumeError.Type

/** A volume's file operations (`volume.fs`, `Volume.read`…). */
export const VolumeFsError = Schema.Union(CallError, VolumeNotFound, PathNotFound, Filesystem)
export type VolumeFsError = typeof VolumeFsError.Type

/** The local image cache. */
export const ImageError = Schema.Union(CallError, ImageNotFound, ImageInUse)
export type ImageError = typeof ImageError.Type

/** Snapshots. */
export const SnapshotError = Schema.Union(
  CallError,
  InvalidConfig,
  SandboxNotFound,
  SnapshotNotFound,
  SnapshotAlreadyExists,
  SnapshotSandboxRunning,
  SnapshotImageMissing,
  SnapshotIntegrity,
  SnapshotMigration
)
export type SnapshotError = typeof SnapshotError.Type

/** Live modification. */
export const ModifyError = Schema.Union(CallError, InvalidConfig, SandboxNotFound, SandboxStillRunning)
export type ModifyError = typeof ModifyError.Type

/** Installing the runtime (`Installer.ensureInstalled`). */
export const InstallerError = Schema.Union(InstallFailed, VerificationFailed, ChecksumMismatch)
export type InstallerError = typeof InstallerError.Type

/** The runtime's error kinds (docs/runtime-abi.md §1.3) and the class each decodes to. */
export const runtimeKinds = {
  sandbox_not_found: SandboxNotFound,
  sandbox_still_running: SandboxStillRunning,
  sandbox_not_running: SandboxNotRunning,
  volume_not_found: VolumeNotFound,
  volume_already_exists: VolumeAlreadyExists,
  exec_timeout: ExecTimeout,
  no_default_command: NoDefaultCommand,
  invalid_config: InvalidConfig,
  invalid_argument: InvalidArgument,
  invalid_handle: InvalidHandle,
  buffer_too_small: BufferTooSmall,
  internal: Internal,
  filesystem: Filesystem,
  image_not_found: ImageNotFound,
  image_in_use: ImageInUse,
  snapshot_not_found: SnapshotNotFound,
  snapshot_already_exists: SnapshotAlreadyExists,
  snapshot_sandbox_running: SnapshotSandboxRunning,
  snapshot_image_missing: SnapshotImageMissing,
  snapshot_integrity: SnapshotIntegrity,
  snapshot_migration: SnapshotMigration,
  patch_failed: PatchFailed,
  metrics_disabled: MetricsDisabled,
  metrics_unavailable: MetricsUnavailable,
  unsupported_operation: UnsupportedOperation,
  io: Io,
  // Declared by the seed's SDK; this runtime version does not emit them yet.
  sandbox_already_exists: SandboxAlreadyExists,
  exec_failed: ExecFailed,
  path_not_found: PathNotFound,
  image_pull_failed: ImagePullFailed,
  network_policy: NetworkPolicy,
  secret_violation: SecretViolation,
  tls: Tls
} as const

export type RuntimeKind = keyof typeof runtimeKinds

/** Whether a value is one of this library's errors (by its `TypeId`, not by its tag). */
export const isMicrosandboxError = (u: unknown): u is MicrosandboxError => Predicate.hasProperty(u, TypeId)
