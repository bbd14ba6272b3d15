/**
 * Every failure of this library is one of the tagged classes below; `MicrosandboxError`
 * is their union (a type, and a Schema of it for RPC and HTTP APIs). Each operation's
 * error type is a narrower union: `LifecycleError`, `ControlError`, `ExecError`,
 * `FilesystemError`, `LogsError`, `MetricsError`, `SshError`, `VolumeError`,
 * `VolumeFsError`, `ImageError`, `SnapshotError`, `ModifyError`, all built on `CallError`
 * (what any native call can report), and `InstallerError`. Handle them with `Effect.catchTag` /
 * `Effect.catchTags`, or match on `_tag` exhaustively.
 *
 * Each error carries the runtime's `message` and the `operation` that failed (a public
 * operation such as `"Sandbox.make"`, or the native export when no public name applies),
 * the `sandbox` name when one was involved, and an optional `cause`.
 *
 * The runtime's `cancelled` kind never appears here: a call cancelled by an interruption
 * is fiber interruption; a `cancelled` answer nothing asked for is `Internal`.
 *
 * @since 0.1.0
 */
import type * as Schema from "effect/Schema"
import * as internal from "./internal/errorModel.js"

/**
 * Carried by every error class of this library: `isMicrosandboxError` checks it.
 *
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: typeof internal.TypeId = internal.TypeId
/**
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TypeId

// ------------------------------------------------------------------ runtime kinds (§1.3)

/**
 * `sandbox_not_found`: no sandbox (or no log directory) by that name.
 *
 * @since 0.1.0
 * @category errors
 */
export const SandboxNotFound: typeof internal.SandboxNotFound = internal.SandboxNotFound
/**
 * @since 0.1.0
 * @category errors
 */
export type SandboxNotFound = internal.SandboxNotFound
/**
 * `sandbox_still_running`: remove/start of a sandbox that is running or draining.
 *
 * @since 0.1.0
 * @category errors
 */
export const SandboxStillRunning: typeof internal.SandboxStillRunning = internal.SandboxStillRunning
/**
 * @since 0.1.0
 * @category errors
 */
export type SandboxStillRunning = internal.SandboxStillRunning
/**
 * `sandbox_not_running`: connect, by-name ping/touch/metrics of a sandbox that is not running.
 *
 * @since 0.1.0
 * @category errors
 */
export const SandboxNotRunning: typeof internal.SandboxNotRunning = internal.SandboxNotRunning
/**
 * @since 0.1.0
 * @category errors
 */
export type SandboxNotRunning = internal.SandboxNotRunning
/**
 * `volume_not_found`.
 *
 * @since 0.1.0
 * @category errors
 */
export const VolumeNotFound: typeof internal.VolumeNotFound = internal.VolumeNotFound
/**
 * @since 0.1.0
 * @category errors
 */
export type VolumeNotFound = internal.VolumeNotFound
/**
 * `volume_already_exists`.
 *
 * @since 0.1.0
 * @category errors
 */
export const VolumeAlreadyExists: typeof internal.VolumeAlreadyExists = internal.VolumeAlreadyExists
/**
 * @since 0.1.0
 * @category errors
 */
export type VolumeAlreadyExists = internal.VolumeAlreadyExists
/**
 * `exec_timeout`: a command ran past its timeout and was killed.
 *
 * @since 0.1.0
 * @category errors
 */
export const ExecTimeout: typeof internal.ExecTimeout = internal.ExecTimeout
/**
 * @since 0.1.0
 * @category errors
 */
export type ExecTimeout = internal.ExecTimeout
/**
 * `no_default_command`: the image defines neither entrypoint nor cmd.
 *
 * @since 0.1.0
 * @category errors
 */
export const NoDefaultCommand: typeof internal.NoDefaultCommand = internal.NoDefaultCommand
/**
 * @since 0.1.0
 * @category errors
 */
export type NoDefaultCommand = internal.NoDefaultCommand
/**
 * `invalid_config`: the configuration was rejected, by this library before anything
 * crossed the boundary (then `field` names the offending option) or by the runtime.
 * @since 0.1.0
 * @category errors
 */
export const InvalidConfig: typeof internal.InvalidConfig = internal.InvalidConfig
/**
 * @since 0.1.0
 * @category errors
 */
export type InvalidConfig = internal.InvalidConfig
/**
 * `invalid_argument`: malformed input, refused by the runtime or by this library
 * before any native call (then `argument` names the offending argument).
 * @since 0.1.0
 * @category errors
 */
export const InvalidArgument: typeof internal.InvalidArgument = internal.InvalidArgument
/**
 * @since 0.1.0
 * @category errors
 */
export type InvalidArgument = internal.InvalidArgument
/**
 * `invalid_handle`: a handle that was already closed or never existed.
 *
 * @since 0.1.0
 * @category errors
 */
export const InvalidHandle: typeof internal.InvalidHandle = internal.InvalidHandle
/**
 * @since 0.1.0
 * @category errors
 */
export type InvalidHandle = internal.InvalidHandle
/**
 * `buffer_too_small`: a read result did not fit even after one retry at the reported size.
 *
 * @since 0.1.0
 * @category errors
 */
export const BufferTooSmall: typeof internal.BufferTooSmall = internal.BufferTooSmall
/**
 * @since 0.1.0
 * @category errors
 */
export type BufferTooSmall = internal.BufferTooSmall
/**
 * `internal`: the runtime's catch-all (also name clashes, pull failures, agent transport errors).
 *
 * @since 0.1.0
 * @category errors
 */
export const Internal: typeof internal.Internal = internal.Internal
/**
 * @since 0.1.0
 * @category errors
 */
export type Internal = internal.Internal
/**
 * `filesystem`: a guest filesystem operation failed.
 *
 * @since 0.1.0
 * @category errors
 */
export const Filesystem: typeof internal.Filesystem = internal.Filesystem
/**
 * @since 0.1.0
 * @category errors
 */
export type Filesystem = internal.Filesystem
/**
 * `image_not_found`.
 *
 * @since 0.1.0
 * @category errors
 */
export const ImageNotFound: typeof internal.ImageNotFound = internal.ImageNotFound
/**
 * @since 0.1.0
 * @category errors
 */
export type ImageNotFound = internal.ImageNotFound
/**
 * `image_in_use`.
 *
 * @since 0.1.0
 * @category errors
 */
export const ImageInUse: typeof internal.ImageInUse = internal.ImageInUse
/**
 * @since 0.1.0
 * @category errors
 */
export type ImageInUse = internal.ImageInUse
/**
 * `snapshot_not_found`.
 *
 * @since 0.1.0
 * @category errors
 */
export const SnapshotNotFound: typeof internal.SnapshotNotFound = internal.SnapshotNotFound
/**
 * @since 0.1.0
 * @category errors
 */
export type SnapshotNotFound = internal.SnapshotNotFound
/**
 * `snapshot_already_exists`.
 *
 * @since 0.1.0
 * @category errors
 */
export const SnapshotAlreadyExists: typeof internal.SnapshotAlreadyExists = internal.SnapshotAlreadyExists
/**
 * @since 0.1.0
 * @category errors
 */
export type SnapshotAlreadyExists = internal.SnapshotAlreadyExists
/**
 * `snapshot_sandbox_running`.
 *
 * @since 0.1.0
 * @category errors
 */
export const SnapshotSandboxRunning: typeof internal.SnapshotSandboxRunning = internal.SnapshotSandboxRunning
/**
 * @since 0.1.0
 * @category errors
 */
export type SnapshotSandboxRunning = internal.SnapshotSandboxRunning
/**
 * `snapshot_image_missing`.
 *
 * @since 0.1.0
 * @category errors
 */
export const SnapshotImageMissing: typeof internal.SnapshotImageMissing = internal.SnapshotImageMissing
/**
 * @since 0.1.0
 * @category errors
 */
export type SnapshotImageMissing = internal.SnapshotImageMissing
/**
 * `snapshot_integrity`.
 *
 * @since 0.1.0
 * @category errors
 */
export const SnapshotIntegrity: typeof internal.SnapshotIntegrity = internal.SnapshotIntegrity
/**
 * @since 0.1.0
 * @category errors
 */
export type SnapshotIntegrity = internal.SnapshotIntegrity
/**
 * `snapshot_migration`.
 *
 * @since 0.1.0
 * @category errors
 */
export const SnapshotMigration: typeof internal.SnapshotMigration = internal.SnapshotMigration
/**
 * @since 0.1.0
 * @category errors
 */
export type SnapshotMigration = internal.SnapshotMigration
/**
 * `patch_failed`: a rootfs patch could not be applied before boot.
 *
 * @since 0.1.0
 * @category errors
 */
export const PatchFailed: typeof internal.PatchFailed = internal.PatchFailed
/**
 * @since 0.1.0
 * @category errors
 */
export type PatchFailed = internal.PatchFailed
/**
 * `metrics_disabled`: the sandbox's config disables metrics sampling.
 *
 * @since 0.1.0
 * @category errors
 */
export const MetricsDisabled: typeof internal.MetricsDisabled = internal.MetricsDisabled
/**
 * @since 0.1.0
 * @category errors
 */
export type MetricsDisabled = internal.MetricsDisabled
/**
 * `metrics_unavailable`: no sample could be taken.
 *
 * @since 0.1.0
 * @category errors
 */
export const MetricsUnavailable: typeof internal.MetricsUnavailable = internal.MetricsUnavailable
/**
 * @since 0.1.0
 * @category errors
 */
export type MetricsUnavailable = internal.MetricsUnavailable
/**
 * `unsupported_operation`: not available on this backend or runtime.
 *
 * @since 0.1.0
 * @category errors
 */
export const UnsupportedOperation: typeof internal.UnsupportedOperation = internal.UnsupportedOperation
/**
 * @since 0.1.0
 * @category errors
 */
export type UnsupportedOperation = internal.UnsupportedOperation
/**
 * `io`: a host-side I/O error.
 *
 * @since 0.1.0
 * @category errors
 */
export const Io: typeof internal.Io = internal.Io
/**
 * @since 0.1.0
 * @category errors
 */
export type Io = internal.Io

// ------------------------------------------------------------------ documented by the seed, not yet emitted

/**
 * A sandbox of that name exists (the runtime reports a clash as `internal`; see docs/lifecycle.md).
 *
 * @since 0.1.0
 * @category errors
 */
export const SandboxAlreadyExists: typeof internal.SandboxAlreadyExists = internal.SandboxAlreadyExists
/**
 * @since 0.1.0
 * @category errors
 */
export type SandboxAlreadyExists = internal.SandboxAlreadyExists
/**
 * A command could not be started in the sandbox.
 *
 * @since 0.1.0
 * @category errors
 */
export const ExecFailed: typeof internal.ExecFailed = internal.ExecFailed
/**
 * @since 0.1.0
 * @category errors
 */
export type ExecFailed = internal.ExecFailed
/**
 * A guest path does not exist.
 *
 * @since 0.1.0
 * @category errors
 */
export const PathNotFound: typeof internal.PathNotFound = internal.PathNotFound
/**
 * @since 0.1.0
 * @category errors
 */
export type PathNotFound = internal.PathNotFound
/**
 * The image could not be pulled.
 *
 * @since 0.1.0
 * @category errors
 */
export const ImagePullFailed: typeof internal.ImagePullFailed = internal.ImagePullFailed
/**
 * @since 0.1.0
 * @category errors
 */
export type ImagePullFailed = internal.ImagePullFailed
/**
 * The network policy rejected something.
 *
 * @since 0.1.0
 * @category errors
 */
export const NetworkPolicy: typeof internal.NetworkPolicy = internal.NetworkPolicy
/**
 * @since 0.1.0
 * @category errors
 */
export type NetworkPolicy = internal.NetworkPolicy
/**
 * A secret was about to reach a host it is not allowed for.
 *
 * @since 0.1.0
 * @category errors
 */
export const SecretViolation: typeof internal.SecretViolation = internal.SecretViolation
/**
 * @since 0.1.0
 * @category errors
 */
export type SecretViolation = internal.SecretViolation
/**
 * TLS interception or verification failed.
 *
 * @since 0.1.0
 * @category errors
 */
export const Tls: typeof internal.Tls = internal.Tls
/**
 * @since 0.1.0
 * @category errors
 */
export type Tls = internal.Tls

// ------------------------------------------------------------------ the library's own

/**
 * One place the library was looked for, and why it did not load.
 *
 * @since 0.1.0
 * @category models
 */
export const LoadAttempt: Schema.Struct<{
  source: Schema.Literal<["explicit", "MICROSANDBOX_FFI_PATH", "install"]>
  path: typeof Schema.String
  reason: typeof Schema.String
}> = internal.LoadAttempt
/**
 * @since 0.1.0
 * @category models
 */
export type LoadAttempt = typeof LoadAttempt.Type

/**
 * The runtime library could not be loaded from any source.
 *
 * @since 0.1.0
 * @category errors
 */
export const LibraryNotLoaded: typeof internal.LibraryNotLoaded = internal.LibraryNotLoaded
/**
 * @since 0.1.0
 * @category errors
 */
export type LibraryNotLoaded = internal.LibraryNotLoaded

/**
 * A command exited with a non-zero code where success was required.
 *
 * @since 0.1.0
 * @category errors
 */
export const NonZeroExit: typeof internal.NonZeroExit = internal.NonZeroExit
/**
 * @since 0.1.0
 * @category errors
 */
export type NonZeroExit = internal.NonZeroExit

/**
 * An operation that needs an interactive terminal was called without one.
 *
 * @since 0.1.0
 * @category errors
 */
export const NotATerminal: typeof internal.NotATerminal = internal.NotATerminal
/**
 * @since 0.1.0
 * @category errors
 */
export type NotATerminal = internal.NotATerminal

/**
 * An error kind this version of the library does not know; `kind` keeps the raw value.
 *
 * @since 0.1.0
 * @category errors
 */
export const Unknown: typeof internal.Unknown = internal.Unknown
/**
 * @since 0.1.0
 * @category errors
 */
export type Unknown = internal.Unknown

// ------------------------------------------------------------------ installation, host diagnosis, boot failures

/**
 * The runtime library could not be installed: no source was usable (no Go toolchain and
 * no `GOPROXY`, `GOPROXY=off`, only `direct`), a download failed, the module archive did
 * not contain the library, or `skipDownload` was set and nothing was installed yet.
 * `reason` is a short machine-readable cause; `remedy` says what to do.
 * @since 0.1.0
 * @category errors
 */
export const InstallFailed: typeof internal.InstallFailed = internal.InstallFailed
/**
 * @since 0.1.0
 * @category errors
 */
export type InstallFailed = internal.InstallFailed

/**
 * The module archive could not be verified: no checksum database is configured
 * (`GOSUMDB` unset, `off`, or the module matches `GONOSUMDB`/`GOPRIVATE`) and unverified
 * installs were not allowed, or the checksum database's answer was unusable (lookup
 * failed, its signature did not verify with the key `GOSUMDB` carries, or its record is
 * not in the signed tree).
 * @since 0.1.0
 * @category errors
 */
export const VerificationFailed: typeof internal.VerificationFailed = internal.VerificationFailed
/**
 * @since 0.1.0
 * @category errors
 */
export type VerificationFailed = internal.VerificationFailed

/**
 * The downloaded module archive's `h1:` hash differs from the one the checksum database
 * (or the Go toolchain) vouches for. Nothing was installed.
 * @since 0.1.0
 * @category errors
 */
export const ChecksumMismatch: typeof internal.ChecksumMismatch = internal.ChecksumMismatch
/**
 * @since 0.1.0
 * @category errors
 */
export type ChecksumMismatch = internal.ChecksumMismatch

/**
 * A host check of `Doctor.doctor` failed: `check` names it (for example
 * `"kvm-paravirtual"`), `remedy` says what to do.
 * @since 0.1.0
 * @category errors
 */
export const DoctorCheckFailed: typeof internal.DoctorCheckFailed = internal.DoctorCheckFailed
/**
 * @since 0.1.0
 * @category errors
 */
export type DoctorCheckFailed = internal.DoctorCheckFailed

/**
 * A sandbox did not boot. The runtime reports it as `internal` with a message
 * `failed to start "<name>": …` (for example `sandbox process exited (signal: 6 (SIGABRT))
 * before agent relay became available`); the library names the reason it can read from
 * this boot's system log: the host's KVM failed the guest (`KVM_EXIT_INTERNAL_ERROR`),
 * KVM could not be opened at all (`Error creating the Kvm object`), or the process
 * exited for another reason. `systemLog` carries the runtime's system log lines of that
 * boot; `processExit` the exit status or signal the runtime saw, when it said.
 * @since 0.1.0
 * @category errors
 */
export const BootFailed: typeof internal.BootFailed = internal.BootFailed
/**
 * @since 0.1.0
 * @category errors
 */
export type BootFailed = internal.BootFailed

/**
 * A document received from the runtime (a result, or an item of an exec, log or
 * metrics stream) did not decode: `raw` is its text, truncated to 512 characters.
 * @since 0.1.0
 * @category errors
 */
export const MalformedResponse: typeof internal.MalformedResponse = internal.MalformedResponse
/**
 * @since 0.1.0
 * @category errors
 */
export type MalformedResponse = internal.MalformedResponse

/**
 * The sandbox stopped, crashed or was removed while a command ran in it: the command's
 * session ended without an exit. `status` is the sandbox's status seen afterwards
 * (`crashed`, `stopped`…, or `removed` when it has no record any more).
 * @since 0.1.0
 * @category errors
 */
export const SandboxLost: typeof internal.SandboxLost = internal.SandboxLost
/**
 * @since 0.1.0
 * @category errors
 */
export type SandboxLost = internal.SandboxLost

/**
 * Every error this library produces, as a Schema (to carry it over RPC or HTTP APIs)
 * and as the union type.
 *
 * @since 0.1.0
 * @category errors
 */
export const MicrosandboxError: Schema.Union<
  [
    typeof SandboxNotFound,
    typeof SandboxStillRunning,
    typeof SandboxNotRunning,
    typeof VolumeNotFound,
    typeof VolumeAlreadyExists,
    typeof ExecTimeout,
    typeof NoDefaultCommand,
    typeof InvalidConfig,
    typeof InvalidArgument,
    typeof InvalidHandle,
    typeof BufferTooSmall,
    typeof Internal,
    typeof Filesystem,
    typeof ImageNotFound,
    typeof ImageInUse,
    typeof SnapshotNotFound,
    typeof SnapshotAlreadyExists,
    typeof SnapshotSandboxRunning,
    typeof SnapshotImageMissing,
    typeof SnapshotIntegrity,
    typeof SnapshotMigration,
    typeof PatchFailed,
    typeof MetricsDisabled,
    typeof MetricsUnavailable,
    typeof UnsupportedOperation,
    typeof Io,
    typeof SandboxAlreadyExists,
    typeof ExecFailed,
    typeof PathNotFound,
    typeof ImagePullFailed,
    typeof NetworkPolicy,
    typeof SecretViolation,
    typeof Tls,
    typeof LibraryNotLoaded,
    typeof NonZeroExit,
    typeof NotATerminal,
    typeof Unknown,
    typeof InstallFailed,
    typeof VerificationFailed,
    typeof ChecksumMismatch,
    typeof DoctorCheckFailed,
    typeof BootFailed,
    typeof MalformedResponse,
    typeof SandboxLost
  ]
> = internal.MicrosandboxError

/**
 * @since 0.1.0
 * @category errors
 */
export type MicrosandboxError = typeof MicrosandboxError.Type

// ------------------------------------------------------------------ per-operation unions

/**
 * What any native call can report, whatever the operation: the runtime's catch-all
 * (`Internal`, also where an error of an unexpected kind for an operation ends up, with
 * the original as its `cause`), malformed input, a closed handle, an output buffer too
 * small, an operation this backend lacks, a host I/O error, a kind this library does not
 * know.
 *
 * @since 0.1.0
 * @category errors
 */
export const CallError: Schema.Union<
  [
    typeof Internal,
    typeof InvalidArgument,
    typeof InvalidHandle,
    typeof BufferTooSmall,
    typeof UnsupportedOperation,
    typeof Io,
    typeof Unknown,
    typeof MalformedResponse
  ]
> = internal.CallError
/**
 * @since 0.1.0
 * @category errors
 */
export type CallError = typeof CallError.Type

/**
 * Creating, starting or connecting to a sandbox (`Sandbox.make`, `Sandbox.start`,
 * `Sandbox.connect`, `SandboxHandle.start`…).
 *
 * @since 0.1.0
 * @category errors
 */
export const LifecycleError: Schema.Union<
  [
    typeof CallError,
    typeof InvalidConfig,
    typeof SandboxAlreadyExists,
    typeof SandboxNotFound,
    typeof SandboxStillRunning,
    typeof SandboxNotRunning,
    typeof PatchFailed,
    typeof ImagePullFailed,
    typeof ImageNotFound,
    typeof NetworkPolicy,
    typeof Tls,
    typeof BootFailed,
    // named volumes of a create (`existing` must exist; `create` must not), and a boot
    // from a snapshot
    typeof VolumeNotFound,
    typeof VolumeAlreadyExists,
    typeof SnapshotNotFound,
    typeof SnapshotIntegrity,
    typeof SnapshotImageMissing
  ]
> = internal.LifecycleError
/**
 * @since 0.1.0
 * @category errors
 */
export type LifecycleError = typeof LifecycleError.Type

/**
 * Stopping, killing, pinging, inspecting, listing or removing a sandbox (the live
 * handle's and `SandboxHandle`'s control operations, `Sandbox.get`, `Sandbox.list`,
 * `Sandbox.remove`).
 *
 * @since 0.1.0
 * @category errors
 */
export const ControlError: Schema.Union<
  [
    typeof CallError,
    typeof InvalidConfig,
    typeof SandboxNotFound,
    typeof SandboxStillRunning,
    typeof SandboxNotRunning
  ]
> = internal.ControlError
/**
 * @since 0.1.0
 * @category errors
 */
export type ControlError = typeof ControlError.Type

/**
 * Running a command (`exec`, `shell`, `execStream`, `spawn`, `attach` and the
 * operations of an `ExecProcess`).
 *
 * @since 0.1.0
 * @category errors
 */
export const ExecError: Schema.Union<
  [
    typeof CallError,
    typeof ExecFailed,
    typeof ExecTimeout,
    typeof NoDefaultCommand,
    typeof NotATerminal,
    typeof SandboxNotRunning,
    typeof SandboxLost
  ]
> = internal.ExecError
/**
 * @since 0.1.0
 * @category errors
 */
export type ExecError = typeof ExecError.Type

/**
 * The guest filesystem (`sandbox.fs`).
 *
 * @since 0.1.0
 * @category errors
 */
export const FilesystemError: Schema.Union<
  [typeof CallError, typeof Filesystem, typeof PathNotFound, typeof SandboxNotRunning]
> = internal.FilesystemError
/**
 * @since 0.1.0
 * @category errors
 */
export type FilesystemError = typeof FilesystemError.Type

/**
 * Persisted output (`logs`, `logStream`): `SandboxNotFound` when the sandbox or its log
 * directory does not exist.
 *
 * @since 0.1.0
 * @category errors
 */
export const LogsError: Schema.Union<[typeof CallError, typeof SandboxNotFound]> = internal.LogsError
/**
 * @since 0.1.0
 * @category errors
 */
export type LogsError = typeof LogsError.Type

/**
 * Metrics (`metrics`, `metricsStream`, `Metrics.poll`, `Sandbox.allMetrics`).
 *
 * @since 0.1.0
 * @category errors
 */
export const MetricsError: Schema.Union<
  [
    typeof CallError,
    typeof MetricsDisabled,
    typeof MetricsUnavailable,
    typeof SandboxNotFound,
    typeof SandboxNotRunning
  ]
> = internal.MetricsError
/**
 * @since 0.1.0
 * @category errors
 */
export type MetricsError = typeof MetricsError.Type

/**
 * SSH into a sandbox (`Ssh.openClient`, `Ssh.serve`, a client's `exec`, `attach`,
 * `sftp`, and every SFTP operation): SFTP failures are `Internal` (the runtime's
 * `<code>: <message>` text), a missing path `PathNotFound`.
 *
 * @since 0.1.0
 * @category errors
 */
export const SshError: Schema.Union<
  [typeof CallError, typeof PathNotFound, typeof NotATerminal, typeof SandboxNotRunning]
> = internal.SshError
/**
 * @since 0.1.0
 * @category errors
 */
export type SshError = typeof SshError.Type

/**
 * Named volumes (`Volume.create`, `make`, `layer`, `get`, `list`, `getDefault`,
 * `remove`, a volume's `refresh` and `remove`): `InvalidConfig` for a bad name or bad
 * options (before any call) and for the removal of a volume a running sandbox mounts.
 * `Volume`'s own per-operation types (`Volume.CreateError`…) are narrower still.
 *
 * @since 0.1.0
 * @category errors
 */
export const VolumeError: Schema.Union<
  [typeof CallError, typeof InvalidConfig, typeof VolumeNotFound, typeof VolumeAlreadyExists]
> = internal.VolumeError
/**
 * @since 0.1.0
 * @category errors
 */
export type VolumeError = typeof VolumeError.Type

/**
 * A volume's file operations (`volume.fs`, `Volume.read`…): `InvalidArgument` for a
 * refused path, `Filesystem` for a path that escapes the volume, `PathNotFound`,
 * `VolumeNotFound` once the volume is gone.
 *
 * @since 0.1.0
 * @category errors
 */
export const VolumeFsError: Schema.Union<
  [typeof CallError, typeof VolumeNotFound, typeof PathNotFound, typeof Filesystem]
> = internal.VolumeFsError
/**
 * @since 0.1.0
 * @category errors
 */
export type VolumeFsError = typeof VolumeFsError.Type

/**
 * The local image cache (`Image.get`, `list`, `inspect`, `remove`, `prune`, `load`,
 * `save`). A malformed archive and every other image failure is `Internal`, the
 * runtime's kind for them.
 *
 * @since 0.1.0
 * @category errors
 */
export const ImageError: Schema.Union<[typeof CallError, typeof ImageNotFound, typeof ImageInUse]> =
  internal.ImageError
/**
 * @since 0.1.0
 * @category errors
 */
export type ImageError = typeof ImageError.Type

/**
 * Snapshots (every `Snapshot` operation, `SandboxHandle.snapshot` and `snapshotTo`):
 * `InvalidConfig` for a bad snapshot name or options (before any call) or a sandbox that
 * is not rooted in an OCI image, `SandboxNotFound` for an unknown source sandbox.
 *
 * @since 0.1.0
 * @category errors
 */
export const SnapshotError: Schema.Union<
  [
    typeof CallError,
    typeof InvalidConfig,
    typeof SandboxNotFound,
    typeof SnapshotNotFound,
    typeof SnapshotAlreadyExists,
    typeof SnapshotSandboxRunning,
    typeof SnapshotImageMissing,
    typeof SnapshotIntegrity,
    typeof SnapshotMigration
  ]
> = internal.SnapshotError
/**
 * @since 0.1.0
 * @category errors
 */
export type SnapshotError = typeof SnapshotError.Type

/**
 * Live modification (`sandbox.modify`, `SandboxHandle.modify`): `InvalidConfig` for the
 * patch or the policy (before any call); a plan the runtime refuses to apply (a
 * conflict, an unsupported change, a restart the policy does not allow) is `Internal`.
 *
 * @since 0.1.0
 * @category errors
 */
export const ModifyError: Schema.Union<
  [typeof CallError, typeof InvalidConfig, typeof SandboxNotFound, typeof SandboxStillRunning]
> = internal.ModifyError
/**
 * @since 0.1.0
 * @category errors
 */
export type ModifyError = typeof ModifyError.Type

/**
 * Installing the runtime (`Installer.ensureInstalled`).
 *
 * @since 0.1.0
 * @category errors
 */
export const InstallerError: Schema.Union<
  [typeof InstallFailed, typeof VerificationFailed, typeof ChecksumMismatch]
> = internal.InstallerError
/**
 * @since 0.1.0
 * @category errors
 */
export type InstallerError = typeof InstallerError.Type

/**
 * The runtime's error kinds (docs/runtime-abi.md §1.3) and the class each decodes to.
 * `cancelled` is absent on purpose: interruption when the call was interrupted, else `Internal`.
 *
 * @since 0.1.0
 * @category constants
 */
export const runtimeKinds: {
  readonly sandbox_not_found: typeof SandboxNotFound
  readonly sandbox_still_running: typeof SandboxStillRunning
  readonly sandbox_not_running: typeof SandboxNotRunning
  readonly volume_not_found: typeof VolumeNotFound
  readonly volume_already_exists: typeof VolumeAlreadyExists
  readonly exec_timeout: typeof ExecTimeout
  readonly no_default_command: typeof NoDefaultCommand
  readonly invalid_config: typeof InvalidConfig
  readonly invalid_argument: typeof InvalidArgument
  readonly invalid_handle: typeof InvalidHandle
  readonly buffer_too_small: typeof BufferTooSmall
  readonly internal: typeof Internal
  readonly filesystem: typeof Filesystem
  readonly image_not_found: typeof ImageNotFound
  readonly image_in_use: typeof ImageInUse
  readonly snapshot_not_found: typeof SnapshotNotFound
  readonly snapshot_already_exists: typeof SnapshotAlreadyExists
  readonly snapshot_sandbox_running: typeof SnapshotSandboxRunning
  readonly snapshot_image_missing: typeof SnapshotImageMissing
  readonly snapshot_integrity: typeof SnapshotIntegrity
  readonly snapshot_migration: typeof SnapshotMigration
  readonly patch_failed: typeof PatchFailed
  readonly metrics_disabled: typeof MetricsDisabled
  readonly metrics_unavailable: typeof MetricsUnavailable
  readonly unsupported_operation: typeof UnsupportedOperation
  readonly io: typeof Io
  // Declared by the seed's SDK; this runtime version does not emit them yet.
  readonly sandbox_already_exists: typeof SandboxAlreadyExists
  readonly exec_failed: typeof ExecFailed
  readonly path_not_found: typeof PathNotFound
  readonly image_pull_failed: typeof ImagePullFailed
  readonly network_policy: typeof NetworkPolicy
  readonly secret_violation: typeof SecretViolation
  readonly tls: typeof Tls
} = internal.runtimeKinds

/**
 * @since 0.1.0
 * @category models
 */
export type RuntimeKind = keyof typeof runtimeKinds

/**
 * Whether a value is one of this library's errors (by its `TypeId`, not by its tag).
 *
 * @since 0.1.0
 * @category guards
 */
export const isMicrosandboxError: (u: unknown) => u is MicrosandboxError = internal.isMicrosandboxError
