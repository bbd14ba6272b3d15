/**
 * Metadata about a sandbox by name — no connection to its VM. Returned by
 * `Sandbox.get` and `Sandbox.list`; it can start, connect to, stop or remove the
 * sandbox it describes.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import type * as Option from "effect/Option"
import type { Pipeable } from "effect/Pipeable"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { HandleTypeId, PingResult, SandboxStatus, StopResult, TouchResult } from "./internal/sandbox.js"
import type { LogEntry, LogOptions, LogStreamOptions } from "./Logs.js"
import type { MetricsLite } from "./Metrics.js"
import type {
  ControlError,
  Internal,
  LifecycleError,
  LogsError,
  MetricsError,
  MicrosandboxError
} from "./MicrosandboxError.js"
import type { ModificationPlan, ModifyError, ModifyOptions, Patch } from "./Modification.js"
import type { Sandbox } from "./Sandbox.js"
import type { SandboxConfig } from "./SandboxConfig.js"
import type { SnapshotArtifact } from "./Snapshot.js"

/**
 * @since 0.1.0
 */
export interface SandboxHandle extends Pipeable {
  readonly [HandleTypeId]: HandleTypeId
  readonly name: string
  /** The status when this handle was read (see `refresh`). */
  readonly status: SandboxStatus
  /** The runtime's persisted configuration, as JSON text. */
  readonly configJson: string
  /** The persisted configuration, parsed. */
  readonly config: Either.Either<SandboxConfig, Internal>
  readonly createdAt: Option.Option<Date>
  readonly updatedAt: Option.Option<Date>
  /** `local` or `cloud`. */
  readonly backendKind: string
  /** Reads the record again. */
  readonly refresh: Effect.Effect<SandboxHandle, ControlError>
  /** Connects to the running sandbox; the connection does not own its lifecycle (release disconnects). */
  readonly connect: Effect.Effect<Sandbox, LifecycleError, Scope.Scope>
  /** Boots the stopped sandbox, owned by the Scope. */
  readonly start: Effect.Effect<Sandbox, LifecycleError, Scope.Scope>
  /** Boots the stopped sandbox detached: it outlives the Scope. */
  readonly startDetached: Effect.Effect<Sandbox, LifecycleError, Scope.Scope>
  /** Graceful stop within `timeout` (default 10 s), then kill. */
  readonly stop: (
    options?: { readonly timeout?: Duration.DurationInput }
  ) => Effect.Effect<void, ControlError>
  /** Kill, then observe the stopped state within `timeout` (default 5 s). */
  readonly kill: (
    options?: { readonly timeout?: Duration.DurationInput }
  ) => Effect.Effect<void, ControlError>
  readonly requestStop: Effect.Effect<void, ControlError>
  readonly requestKill: Effect.Effect<void, ControlError>
  readonly requestDrain: Effect.Effect<void, ControlError>
  /** Waits (polling the record) until the sandbox is stopped or crashed. */
  readonly waitUntilStopped: Effect.Effect<StopResult, ControlError>
  /** Deletes the stopped sandbox's record, state and logs (`SandboxStillRunning` while it runs). */
  readonly remove: Effect.Effect<void, ControlError>
  readonly ping: Effect.Effect<PingResult, ControlError>
  readonly touch: Effect.Effect<TouchResult, ControlError>
  /** Persisted output, by name (running or stopped; no connection). */
  readonly logs: (options?: LogOptions) => Effect.Effect<ReadonlyArray<LogEntry>, LogsError>
  /** Persisted output as a Stream, by name. */
  readonly logStream: (options?: LogStreamOptions) => Stream.Stream<LogEntry, LogsError>
  /** The by-name metrics sample (8 members; `SandboxNotRunning` unless running). */
  readonly metrics: Effect.Effect<MetricsLite, MetricsError>
  /** Plans and applies a modification by name (a stopped sandbox stays stopped); see the Modification module. */
  readonly modify: (patch: Patch, options?: ModifyOptions) => Effect.Effect<ModificationPlan, ModifyError>
  /**
   * Snapshots the stopped or crashed sandbox under a bare name in the runtime's snapshots
   * directory (`SnapshotSandboxRunning` while it runs; see the `Snapshot` module).
   */
  readonly snapshot: (name: string) => Effect.Effect<SnapshotArtifact, MicrosandboxError>
  /** Snapshots the stopped or crashed sandbox into the artefact directory `path`. */
  readonly snapshotTo: (path: string) => Effect.Effect<SnapshotArtifact, MicrosandboxError>
}
