/**
 * Every failure of this library is one of the tagged classes below; `MicrosandboxError`
 * is their union. Handle them with `Effect.catchTag` / `Effect.catchTags`, or match on
 * `_tag` exhaustively.
 *
 * Each error carries the runtime's `message` and the `operation` that failed (a public
 * operation such as `"Sandbox.make"`, or the native export when no public name applies),
 * and the `sandbox` name when one was involved.
 *
 * The runtime's `cancelled` kind never appears here: a cancelled native call is
 * fiber interruption.
 *
 * @since 0.1.0
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

const common = {
  message: Schema.String,
  operation: Schema.String,
  sandbox: Schema.optional(Schema.String)
}

// ------------------------------------------------------------------ runtime kinds (§1.3)

/** `sandbox_not_found`: no sandbox (or no log directory) by that name. @since 0.1.0 */
export class SandboxNotFound extends Schema.TaggedError<SandboxNotFound>()("SandboxNotFound", common) {}
/** `sandbox_still_running`: remove/start of a sandbox that is running or draining. @since 0.1.0 */
export class SandboxStillRunning
  extends Schema.TaggedError<SandboxStillRunning>()("SandboxStillRunning", common)
{}
/** `sandbox_not_running`: connect, by-name ping/touch/metrics of a sandbox that is not running. @since 0.1.0 */
export class SandboxNotRunning extends Schema.TaggedError<SandboxNotRunning>()("SandboxNotRunning", common) {}
/** `volume_not_found`. @since 0.1.0 */
export class VolumeNotFound extends Schema.TaggedError<VolumeNotFound>()("VolumeNotFound", common) {}
/** `volume_already_exists`. @since 0.1.0 */
export class VolumeAlreadyExists
  extends Schema.TaggedError<VolumeAlreadyExists>()("VolumeAlreadyExists", common)
{}
/** `exec_timeout`: a command ran past its timeout and was killed. @since 0.1.0 */
export class ExecTimeout extends Schema.TaggedError<ExecTimeout>()("ExecTimeout", common) {}
/** `no_default_command`: the image defines neither entrypoint nor cmd. @since 0.1.0 */
export class NoDefaultCommand extends Schema.TaggedError<NoDefaultCommand>()("NoDefaultCommand", common) {}
/**
 * `invalid_config`: the configuration was rejected, by this library before anything
 * crossed the boundary (then `field` names the offending option) or by the runtime.
 * @since 0.1.0
 */
export class InvalidConfig extends Schema.TaggedError<InvalidConfig>()("InvalidConfig", {
  ...common,
  field: Schema.optional(Schema.String)
}) {}
/**
 * `invalid_argument`: malformed input, refused by the runtime or by this library
 * before any native call (then `argument` names the offending argument).
 * @since 0.1.0
 */
export class InvalidArgument extends Schema.TaggedError<InvalidArgument>()("InvalidArgument", {
  ...common,
  argument: Schema.optional(Schema.String)
}) {}
/** `invalid_handle`: a handle that was already closed or never existed. @since 0.1.0 */
export class InvalidHandle extends Schema.TaggedError<InvalidHandle>()("InvalidHandle", common) {}
/** `buffer_too_small`: a read result did not fit even after one retry at the reported size. @since 0.1.0 */
export class BufferTooSmall extends Schema.TaggedError<BufferTooSmall>()("BufferTooSmall", common) {}
/** `internal`: the runtime's catch-all (also name clashes, pull failures, agent transport errors). @since 0.1.0 */
export class Internal extends Schema.TaggedError<Internal>()("Internal", common) {}
/** `filesystem`: a guest filesystem operation failed. @since 0.1.0 */
export class Filesystem extends Schema.TaggedError<Filesystem>()("Filesystem", {
  ...common,
  path: Schema.optional(Schema.String)
}) {}
/** `image_not_found`. @since 0.1.0 */
export class ImageNotFound extends Schema.TaggedError<ImageNotFound>()("ImageNotFound", common) {}
/** `image_in_use`. @since 0.1.0 */
export class ImageInUse extends Schema.TaggedError<ImageInUse>()("ImageInUse", common) {}
/** `snapshot_not_found`. @since 0.1.0 */
export class SnapshotNotFound extends Schema.TaggedError<SnapshotNotFound>()("SnapshotNotFound", common) {}
/** `snapshot_already_exists`. @since 0.1.0 */
export class SnapshotAlreadyExists
  extends Schema.TaggedError<SnapshotAlreadyExists>()("SnapshotAlreadyExists", common)
{}
/** `snapshot_sandbox_running`. @since 0.1.0 */
export class SnapshotSandboxRunning
  extends Schema.TaggedError<SnapshotSandboxRunning>()("SnapshotSandboxRunning", common)
{}
/** `snapshot_image_missing`. @since 0.1.0 */
export class SnapshotImageMissing
  extends Schema.TaggedError<SnapshotImageMissing>()("SnapshotImageMissing", common)
{}
/** `snapshot_integrity`. @since 0.1.0 */
export class SnapshotIntegrity extends Schema.TaggedError<SnapshotIntegrity>()("SnapshotIntegrity", common) {}
/** `snapshot_migration`. @since 0.1.0 */
export class SnapshotMigration extends Schema.TaggedError<SnapshotMigration>()("SnapshotMigration", common) {}
/** `patch_failed`: a rootfs patch could not be applied before boot. @since 0.1.0 */
export class PatchFailed extends Schema.TaggedError<PatchFailed>()("PatchFailed", common) {}
/** `metrics_disabled`: the sandbox's config disables metrics sampling. @since 0.1.0 */
export class MetricsDisabled extends Schema.TaggedError<MetricsDisabled>()("MetricsDisabled", common) {}
/** `metrics_unavailable`: no sample could be taken. @since 0.1.0 */
export class MetricsUnavailable
  extends Schema.TaggedError<MetricsUnavailable>()("MetricsUnavailable", common)
{}
/** `unsupported_operation`: not available on this backend or runtime. @since 0.1.0 */
export class UnsupportedOperation
  extends Schema.TaggedError<UnsupportedOperation>()("UnsupportedOperation", common)
{}
/** `io`: a host-side I/O error. @since 0.1.0 */
export class Io extends Schema.TaggedError<Io>()("Io", common) {}

// ------------------------------------------------------------------ documented by the seed, not yet emitted

/** A sandbox of that name exists (the runtime reports a clash as `internal`; see docs/lifecycle.md). @since 0.1.0 */
export class SandboxAlreadyExists
  extends Schema.TaggedError<SandboxAlreadyExists>()("SandboxAlreadyExists", common)
{}
/** A command could not be started in the sandbox. @since 0.1.0 */
export class ExecFailed extends Schema.TaggedError<ExecFailed>()("ExecFailed", {
  ...common,
  reason: Schema.optional(Schema.String),
  errno: Schema.optional(Schema.Number)
}) {}
/** A guest path does not exist. @since 0.1.0 */
export class PathNotFound extends Schema.TaggedError<PathNotFound>()("PathNotFound", {
  ...common,
  path: Schema.String
}) {}
/** The image could not be pulled. @since 0.1.0 */
export class ImagePullFailed extends Schema.TaggedError<ImagePullFailed>()("ImagePullFailed", common) {}
/** The network policy rejected something. @since 0.1.0 */
export class NetworkPolicy extends Schema.TaggedError<NetworkPolicy>()("NetworkPolicy", common) {}
/** A secret was about to reach a host it is not allowed for. @since 0.1.0 */
export class SecretViolation extends Schema.TaggedError<SecretViolation>()("SecretViolation", common) {}
/** TLS interception or verification failed. @since 0.1.0 */
export class Tls extends Schema.TaggedError<Tls>()("Tls", common) {}

// ------------------------------------------------------------------ the library's own

/** One place the library was looked for, and why it did not load. @since 0.1.0 */
export const LoadAttempt = Schema.Struct({
  source: Schema.Literal("explicit", "MICROSANDBOX_FFI_PATH", "install"),
  path: Schema.String,
  reason: Schema.String
})
/** @since 0.1.0 */
export type LoadAttempt = typeof LoadAttempt.Type

/** The runtime library could not be loaded from any source. @since 0.1.0 */
export class LibraryNotLoaded extends Schema.TaggedError<LibraryNotLoaded>()("LibraryNotLoaded", {
  ...common,
  attempts: Schema.Array(LoadAttempt)
}) {}

/** A command exited with a non-zero code where success was required. @since 0.1.0 */
export class NonZeroExit extends Schema.TaggedError<NonZeroExit>()("NonZeroExit", {
  ...common,
  command: Schema.String,
  exitCode: Schema.Number,
  stderr: Schema.String
}) {}

/** An operation that needs an interactive terminal was called without one. @since 0.1.0 */
export class NotATerminal extends Schema.TaggedError<NotATerminal>()("NotATerminal", common) {}

/** An error kind this version of the library does not know; `kind` keeps the raw value. @since 0.1.0 */
export class Unknown extends Schema.TaggedError<Unknown>()("Unknown", {
  ...common,
  kind: Schema.String
}) {}

// ------------------------------------------------------------------ installation, host diagnosis, boot failures

/**
 * The runtime library could not be installed: no source was usable (no Go toolchain and
 * no `GOPROXY`, `GOPROXY=off`, only `direct`), a download failed, the module archive did
 * not contain the library, or `skipDownload` was set and nothing was installed yet.
 * `reason` is a short machine-readable cause; `remedy` says what to do.
 * @since 0.1.0
 */
export class InstallFailed extends Schema.TaggedError<InstallFailed>()("InstallFailed", {
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
}) {}

/**
 * The module archive could not be verified: no checksum database is configured
 * (`GOSUMDB` unset, `off`, or the module matches `GONOSUMDB`/`GOPRIVATE`) and unverified
 * installs were not allowed, or the checksum database's answer was unusable (lookup
 * failed, its signature did not verify with the key `GOSUMDB` carries, or its record is
 * not in the signed tree).
 * @since 0.1.0
 */
export class VerificationFailed extends Schema.TaggedError<VerificationFailed>()("VerificationFailed", {
  ...common,
  reason: Schema.Literal("NoChecksumDatabase", "BadVerifierKey", "LookupFailed", "BadSignature", "NotInTree"),
  remedy: Schema.String
}) {}

/**
 * The downloaded module archive's `h1:` hash differs from the one the checksum database
 * (or the Go toolchain) vouches for. Nothing was installed.
 * @since 0.1.0
 */
export class ChecksumMismatch extends Schema.TaggedError<ChecksumMismatch>()("ChecksumMismatch", {
  ...common,
  module: Schema.String,
  version: Schema.String,
  expected: Schema.String,
  actual: Schema.String
}) {}

/**
 * A host check of `Doctor.doctor` failed: `check` names it (for example
 * `"kvm-paravirtual"`), `remedy` says what to do.
 * @since 0.1.0
 */
export class DoctorCheckFailed extends Schema.TaggedError<DoctorCheckFailed>()("DoctorCheckFailed", {
  ...common,
  check: Schema.String,
  remedy: Schema.String
}) {}

/**
 * A sandbox did not boot for a host reason: the sandbox process exited before the agent
 * relay became available, or the kernel log shows `KVM_EXIT_INTERNAL_ERROR`.
 * `systemLog` carries the runtime's system log lines of that boot.
 * @since 0.1.0
 */
export class BootFailed extends Schema.TaggedError<BootFailed>()("BootFailed", {
  ...common,
  reason: Schema.Literal("KvmInternalError", "ExitedBeforeRelay"),
  systemLog: Schema.Array(Schema.String),
  remedy: Schema.String
}) {}

/**
 * Every error this library produces.
 *
 * @since 0.1.0
 */
export type MicrosandboxError =
  | SandboxNotFound
  | SandboxStillRunning
  | SandboxNotRunning
  | VolumeNotFound
  | VolumeAlreadyExists
  | ExecTimeout
  | NoDefaultCommand
  | InvalidConfig
  | InvalidArgument
  | InvalidHandle
  | BufferTooSmall
  | Internal
  | Filesystem
  | ImageNotFound
  | ImageInUse
  | SnapshotNotFound
  | SnapshotAlreadyExists
  | SnapshotSandboxRunning
  | SnapshotImageMissing
  | SnapshotIntegrity
  | SnapshotMigration
  | PatchFailed
  | MetricsDisabled
  | MetricsUnavailable
  | UnsupportedOperation
  | Io
  | SandboxAlreadyExists
  | ExecFailed
  | PathNotFound
  | ImagePullFailed
  | NetworkPolicy
  | SecretViolation
  | Tls
  | LibraryNotLoaded
  | NonZeroExit
  | NotATerminal
  | Unknown
  | InstallFailed
  | VerificationFailed
  | ChecksumMismatch
  | DoctorCheckFailed
  | BootFailed

/**
 * The runtime's error kinds (runtime-abi.md §1.3) and the class each decodes to.
 * `cancelled` is absent on purpose: it is interruption.
 *
 * @since 0.1.0
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

/** @since 0.1.0 */
export type RuntimeKind = keyof typeof runtimeKinds

const tags = new Set<string>([
  ...Object.values(runtimeKinds).map((c) => c._tag),
  "LibraryNotLoaded",
  "NonZeroExit",
  "NotATerminal",
  "Unknown",
  "InstallFailed",
  "VerificationFailed",
  "ChecksumMismatch",
  "DoctorCheckFailed",
  "BootFailed"
])

/**
 * Whether a value is one of this library's errors.
 *
 * @since 0.1.0
 */
export const isMicrosandboxError = (u: unknown): u is MicrosandboxError =>
  Predicate.hasProperty(u, "_tag") && typeof u._tag === "string" && tags.has(u._tag)
