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
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

/**
 * Carried by every error class of this library: `isMicrosandboxError` checks it.
 *
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: unique symbol = Symbol.for("effect-microsandbox/MicrosandboxError")
/**
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TypeId

const common = {
  message: Schema.String,
  operation: Schema.String,
  sandbox: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.Defect)
}

// ------------------------------------------------------------------ runtime kinds (§1.3)

/**
 * `sandbox_not_found`: no sandbox (or no log directory) by that name.
 *
 * @since 0.1.0
 * @category errors
 */
export class SandboxNotFound
  extends Schema.TaggedError<SandboxNotFound>("effect-microsandbox/SandboxNotFound")(
    "SandboxNotFound",
    common
  )
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `sandbox_still_running`: remove/start of a sandbox that is running or draining.
 *
 * @since 0.1.0
 * @category errors
 */
export class SandboxStillRunning
  extends Schema.TaggedError<SandboxStillRunning>("effect-microsandbox/SandboxStillRunning")(
    "SandboxStillRunning",
    common
  )
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `sandbox_not_running`: connect, by-name ping/touch/metrics of a sandbox that is not running.
 *
 * @since 0.1.0
 * @category errors
 */
export class SandboxNotRunning
  extends Schema.TaggedError<SandboxNotRunning>("effect-microsandbox/SandboxNotRunning")(
    "SandboxNotRunning",
    common
  )
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `volume_not_found`.
 *
 * @since 0.1.0
 * @category errors
 */
export class VolumeNotFound
  extends Schema.TaggedError<VolumeNotFound>("effect-microsandbox/VolumeNotFound")("VolumeNotFound", common)
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `volume_already_exists`.
 *
 * @since 0.1.0
 * @category errors
 */
export class VolumeAlreadyExists
  extends Schema.TaggedError<VolumeAlreadyExists>("effect-microsandbox/VolumeAlreadyExists")(
    "VolumeAlreadyExists",
    common
  )
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `exec_timeout`: a command ran past its timeout and was killed.
 *
 * @since 0.1.0
 * @category errors
 */
export class ExecTimeout
  extends Schema.TaggedError<ExecTimeout>("effect-microsandbox/ExecTimeout")("ExecTimeout", common)
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `no_default_command`: the image defines neither entrypoint nor cmd.
 *
 * @since 0.1.0
 * @category errors
 */
export class NoDefaultCommand
  extends Schema.TaggedError<NoDefaultCommand>("effect-microsandbox/NoDefaultCommand")(
    "NoDefaultCommand",
    common
  )
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `invalid_config`: the configuration was rejected, by this library before anything
 * crossed the boundary (then `field` names the offending option) or by the runtime.
 * @since 0.1.0
 * @category errors
 */
export class InvalidConfig
  extends Schema.TaggedError<InvalidConfig>("effect-microsandbox/InvalidConfig")("InvalidConfig", {
    ...common,
    field: Schema.optional(Schema.String)
  })
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `invalid_argument`: malformed input, refused by the runtime or by this library
 * before any native call (then `argument` names the offending argument).
 * @since 0.1.0
 * @category errors
 */
export class InvalidArgument
  extends Schema.TaggedError<InvalidArgument>("effect-microsandbox/InvalidArgument")("InvalidArgument", {
    ...common,
    argument: Schema.optional(Schema.String)
  })
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `invalid_handle`: a handle that was already closed or never existed.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidHandle
  extends Schema.TaggedError<InvalidHandle>("effect-microsandbox/InvalidHandle")("InvalidHandle", common)
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `buffer_too_small`: a read result did not fit even after one retry at the reported size.
 *
 * @since 0.1.0
 * @category errors
 */
export class BufferTooSmall
  extends Schema.TaggedError<BufferTooSmall>("effect-microsandbox/BufferTooSmall")("BufferTooSmall", common)
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `internal`: the runtime's catch-all (also name clashes, pull failures, agent transport errors).
 *
 * @since 0.1.0
 * @category errors
 */
export class Internal
  extends Schema.TaggedError<Internal>("effect-microsandbox/Internal")("Internal", common)
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `filesystem`: a guest filesystem operation failed.
 *
 * @since 0.1.0
 * @category errors
 */
export class Filesystem
  extends Schema.TaggedError<Filesystem>("effect-microsandbox/Filesystem")("Filesystem", {
    ...common,
    path: Schema.optional(Schema.String)
  })
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `image_not_found`.
 *
 * @since 0.1.0
 * @category errors
 */
export class ImageNotFound
  extends Schema.TaggedError<ImageNotFound>("effect-microsandbox/ImageNotFound")("ImageNotFound", common)
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `image_in_use`.
 *
 * @since 0.1.0
 * @category errors
 */
export class ImageInUse
  extends Schema.TaggedError<ImageInUse>("effect-microsandbox/ImageInUse")("ImageInUse", common)
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `snapshot_not_found`.
 *
 * @since 0.1.0
 * @category errors
 */
export class SnapshotNotFound
  extends Schema.TaggedError<SnapshotNotFound>("effect-microsandbox/SnapshotNotFound")(
    "SnapshotNotFound",
    common
  )
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `snapshot_already_exists`.
 *
 * @since 0.1.0
 * @category errors
 */
export class SnapshotAlreadyExists
  extends Schema.TaggedError<SnapshotAlreadyExists>("effect-microsandbox/SnapshotAlreadyExists")(
    "SnapshotAlreadyExists",
    common
  )
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `snapshot_sandbox_running`.
 *
 * @since 0.1.0
 * @category errors
 */
export class SnapshotSandboxRunning
  extends Schema.TaggedError<SnapshotSandboxRunning>("effect-microsandbox/SnapshotSandboxRunning")(
    "SnapshotSandboxRunning",
    common
  )
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `snapshot_image_missing`.
 *
 * @since 0.1.0
 * @category errors
 */
export class SnapshotImageMissing
  extends Schema.TaggedError<SnapshotImageMissing>("effect-microsandbox/SnapshotImageMissing")(
    "SnapshotImageMissing",
    common
  )
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `snapshot_integrity`.
 *
 * @since 0.1.0
 * @category errors
 */
export class SnapshotIntegrity
  extends Schema.TaggedError<SnapshotIntegrity>("effect-microsandbox/SnapshotIntegrity")(
    "SnapshotIntegrity",
    common
  )
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `snapshot_migration`.
 *
 * @since 0.1.0
 * @category errors
 */
export class SnapshotMigration
  extends Schema.TaggedError<SnapshotMigration>("effect-microsandbox/SnapshotMigration")(
    "SnapshotMigration",
    common
  )
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `patch_failed`: a rootfs patch could not be applied before boot.
 *
 * @since 0.1.0
 * @category errors
 */
export class PatchFailed
  extends Schema.TaggedError<PatchFailed>("effect-microsandbox/PatchFailed")("PatchFailed", common)
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `metrics_disabled`: the sandbox's config disables metrics sampling.
 *
 * @since 0.1.0
 * @category errors
 */
export class MetricsDisabled
  extends Schema.TaggedError<MetricsDisabled>("effect-microsandbox/MetricsDisabled")(
    "MetricsDisabled",
    common
  )
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `metrics_unavailable`: no sample could be taken.
 *
 * @since 0.1.0
 * @category errors
 */
export class MetricsUnavailable
  extends Schema.TaggedError<MetricsUnavailable>("effect-microsandbox/MetricsUnavailable")(
    "MetricsUnavailable",
    common
  )
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `unsupported_operation`: not available on this backend or runtime.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnsupportedOperation
  extends Schema.TaggedError<UnsupportedOperation>("effect-microsandbox/UnsupportedOperation")(
    "UnsupportedOperation",
    common
  )
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * `io`: a host-side I/O error.
 *
 * @since 0.1.0
 * @category errors
 */
export class Io extends Schema.TaggedError<Io>("effect-microsandbox/Io")("Io", common) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}

// ------------------------------------------------------------------ documented by the seed, not yet emitted

/**
 * A sandbox of that name exists (the runtime reports a clash as `internal`; see docs/lifecycle.md).
 *
 * @since 0.1.0
 * @category errors
 */
export class SandboxAlreadyExists
  extends Schema.TaggedError<SandboxAlreadyExists>("effect-microsandbox/SandboxAlreadyExists")(
    "SandboxAlreadyExists",
    common
  )
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * A command could not be started in the sandbox.
 *
 * @since 0.1.0
 * @category errors
 */
export class ExecFailed
  extends Schema.TaggedError<ExecFailed>("effect-microsandbox/ExecFailed")("ExecFailed", {
    ...common,
    reason: Schema.optional(Schema.String),
    errno: Schema.optional(Schema.Number)
  })
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * A guest path does not exist.
 *
 * @since 0.1.0
 * @category errors
 */
export class PathNotFound
  extends Schema.TaggedError<PathNotFound>("effect-microsandbox/PathNotFound")("PathNotFound", {
    ...common,
    path: Schema.String
  })
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * The image could not be pulled.
 *
 * @since 0.1.0
 * @category errors
 */
export class ImagePullFailed
  extends Schema.TaggedError<ImagePullFailed>("effect-microsandbox/ImagePullFailed")(
    "ImagePullFailed",
    common
  )
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * The network policy rejected something.
 *
 * @since 0.1.0
 * @category errors
 */
export class NetworkPolicy
  extends Schema.TaggedError<NetworkPolicy>("effect-microsandbox/NetworkPolicy")("NetworkPolicy", common)
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * A secret was about to reach a host it is not allowed for.
 *
 * @since 0.1.0
 * @category errors
 */
export class SecretViolation
  extends Schema.TaggedError<SecretViolation>("effect-microsandbox/SecretViolation")(
    "SecretViolation",
    common
  )
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}
/**
 * TLS interception or verification failed.
 *
 * @since 0.1.0
 * @category errors
 */
export class Tls extends Schema.TaggedError<Tls>("effect-microsandbox/Tls")("Tls", common) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}

// ------------------------------------------------------------------ the library's own

/**
 * One place the library was looked for, and why it did not load.
 *
 * @since 0.1.0
 * @category models
 */
export const LoadAttempt = Schema.Struct({
  source: Schema.Literal("explicit", "MICROSANDBOX_FFI_PATH", "install"),
  path: Schema.String,
  reason: Schema.String
})
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
export class LibraryNotLoaded
  extends Schema.TaggedError<LibraryNotLoaded>("effect-microsandbox/LibraryNotLoaded")("LibraryNotLoaded", {
    ...common,
    attempts: Schema.Array(LoadAttempt)
  })
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * A command exited with a non-zero code where success was required.
 *
 * @since 0.1.0
 * @category errors
 */
export class NonZeroExit
  extends Schema.TaggedError<NonZeroExit>("effect-microsandbox/NonZeroExit")("NonZeroExit", {
    ...common,
    command: Schema.String,
    exitCode: Schema.Number,
    stderr: Schema.String
  })
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * An operation that needs an interactive terminal was called without one.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotATerminal
  extends Schema.TaggedError<NotATerminal>("effect-microsandbox/NotATerminal")("NotATerminal", common)
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * An error kind this version of the library does not know; `kind` keeps the raw value.
 *
 * @since 0.1.0
 * @category errors
 */
export class Unknown extends Schema.TaggedError<Unknown>("effect-microsandbox/Unknown")("Unknown", {
  ...common,
  kind: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}

// ------------------------------------------------------------------ installation, host diagnosis, boot failures

/**
 * The runtime library could not be installed: no source was usable (no Go toolchain and
 * no `GOPROXY`, `GOPROXY=off`, only `direct`), a download failed, the module archive did
 * not contain the library, or `skipDownload` was set and nothing was installed yet.
 * `reason` is a short machine-readable cause; `remedy` says what to do.
 * @since 0.1.0
 * @category errors
 */
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
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * The module archive could not be verified: no checksum database is configured
 * (`GOSUMDB` unset, `off`, or the module matches `GONOSUMDB`/`GOPRIVATE`) and unverified
 * installs were not allowed, or the checksum database's answer was unusable (lookup
 * failed, its signature did not verify with the key `GOSUMDB` carries, or its record is
 * not in the signed tree).
 * @since 0.1.0
 * @category errors
 */
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
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * The downloaded module archive's `h1:` hash differs from the one the checksum database
 * (or the Go toolchain) vouches for. Nothing was installed.
 * @since 0.1.0
 * @category errors
 */
export class ChecksumMismatch
  extends Schema.TaggedError<ChecksumMismatch>("effect-microsandbox/ChecksumMismatch")("ChecksumMismatch", {
    ...common,
    module: Schema.String,
    version: Schema.String,
    expected: Schema.String,
    actual: Schema.String
  })
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * A host check of `Doctor.doctor` failed: `check` names it (for example
 * `"kvm-paravirtual"`), `remedy` says what to do.
 * @since 0.1.0
 * @category errors
 */
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
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}

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
export class BootFailed
  extends Schema.TaggedError<BootFailed>("effect-microsandbox/BootFailed")("BootFailed", {
    ...common,
    reason: Schema.Literal("KvmInternalError", "KvmUnavailable", "ExitedBeforeRelay", "RelayTimeout"),
    processExit: Schema.optional(Schema.String),
    systemLog: Schema.Array(Schema.String),
    remedy: Schema.String
  })
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * Every error this library produces, as a Schema (to carry it over RPC or HTTP APIs)
 * and as the union type.
 *
 * @since 0.1.0
 */
/**
 * A document received from the runtime (a result, or an item of an exec, log or
 * metrics stream) did not decode: `raw` is its text, truncated to 512 characters.
 * @since 0.1.0
 * @category errors
 */
export class MalformedResponse
  extends Schema.TaggedError<MalformedResponse>("effect-microsandbox/MalformedResponse")(
    "MalformedResponse",
    {
      ...common,
      raw: Schema.String
    }
  )
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * The sandbox stopped, crashed or was removed while a command ran in it: the command's
 * session ended without an exit. `status` is the sandbox's status seen afterwards
 * (`crashed`, `stopped`…, or `removed` when it has no record any more).
 * @since 0.1.0
 * @category errors
 */
export class SandboxLost
  extends Schema.TaggedError<SandboxLost>("effect-microsandbox/SandboxLost")("SandboxLost", {
    ...common,
    status: Schema.String
  })
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * @since 0.1.0
 * @category errors
 */
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
export const ControlError = Schema.Union(
  CallError,
  InvalidConfig,
  SandboxNotFound,
  SandboxStillRunning,
  SandboxNotRunning
)
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
export const ExecError = Schema.Union(
  CallError,
  ExecFailed,
  ExecTimeout,
  NoDefaultCommand,
  NotATerminal,
  SandboxNotRunning,
  SandboxLost
)
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
export const FilesystemError = Schema.Union(CallError, Filesystem, PathNotFound, SandboxNotRunning)
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
export const LogsError = Schema.Union(CallError, SandboxNotFound)
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
export const MetricsError = Schema.Union(
  CallError,
  MetricsDisabled,
  MetricsUnavailable,
  SandboxNotFound,
  SandboxNotRunning
)
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
export const SshError = Schema.Union(CallError, PathNotFound, NotATerminal, SandboxNotRunning)
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
export const VolumeError = Schema.Union(CallError, InvalidConfig, VolumeNotFound, VolumeAlreadyExists)
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
export const VolumeFsError = Schema.Union(CallError, VolumeNotFound, PathNotFound, Filesystem)
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
export const ImageError = Schema.Union(CallError, ImageNotFound, ImageInUse)
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
export const ModifyError = Schema.Union(CallError, InvalidConfig, SandboxNotFound, SandboxStillRunning)
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
export const InstallerError = Schema.Union(InstallFailed, VerificationFailed, ChecksumMismatch)
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
export const isMicrosandboxError = (u: unknown): u is MicrosandboxError => Predicate.hasProperty(u, TypeId)
