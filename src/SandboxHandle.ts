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
import { dual } from "effect/Function"
import type * as Option from "effect/Option"
import type { Pipeable } from "effect/Pipeable"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import { failEffect, failStream, guardSelf, optionsFirst, patchFirst } from "./internal/dual.js"
import { HandleTypeId } from "./internal/sandbox.js"
import type { PingResult, SandboxStatus, StopResult, TouchResult } from "./internal/sandbox.js"
import type { LogEntry, LogOptions, LogStreamOptions } from "./Logs.js"
import type { MetricsLite } from "./Metrics.js"
import type {
  ControlError,
  Internal,
  LifecycleError,
  LogsError,
  MetricsError,
  SnapshotError
} from "./MicrosandboxError.js"
import type { ModificationPlan, ModifyError, ModifyOptions, Patch } from "./Modification.js"
import type { Sandbox } from "./Sandbox.js"
import type { SandboxConfig } from "./SandboxConfig.js"
import type { SnapshotArtifact } from "./Snapshot.js"

/**
 * @since 0.1.0
 * @category models
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
  readonly snapshot: (name: string) => Effect.Effect<SnapshotArtifact, SnapshotError>
  /** Snapshots the stopped or crashed sandbox into the artefact directory `path`. */
  readonly snapshotTo: (path: string) => Effect.Effect<SnapshotArtifact, SnapshotError>
}

/**
 * @since 0.1.0
 * @category guards
 */
export const isSandboxHandle = (u: unknown): u is SandboxHandle =>
  typeof u === "object" && u !== null && HandleTypeId in u

// The data-first bodies below refuse a `self` that is not a SandboxHandle with an InvalidArgument.
const onHandle = guardSelf({ is: isSandboxHandle, argument: "handle", expected: "a SandboxHandle" })

/** Options of `stop` and `kill`. */
type TimeoutOptions = { readonly timeout?: Duration.DurationInput }

/**
 * Reads the record again (`handle.pipe(SandboxHandle.refresh)`).
 *
 * @since 0.1.0
 * @category operations
 */
export const refresh: (self: SandboxHandle) => SandboxHandle["refresh"] = onHandle(
  "SandboxHandle.refresh",
  failEffect,
  (self) => self.refresh
)

/**
 * Connects to the running sandbox, owned by the Scope (release disconnects).
 *
 * @since 0.1.0
 * @category operations
 */
export const connect: (self: SandboxHandle) => SandboxHandle["connect"] = onHandle(
  "SandboxHandle.connect",
  failEffect,
  (self) => self.connect
)

/**
 * Boots the stopped sandbox, owned by the Scope.
 *
 * @since 0.1.0
 * @category operations
 */
export const start: (self: SandboxHandle) => SandboxHandle["start"] = onHandle(
  "SandboxHandle.start",
  failEffect,
  (self) => self.start
)

/**
 * Boots the stopped sandbox detached: it outlives the Scope.
 *
 * @since 0.1.0
 * @category operations
 */
export const startDetached: (self: SandboxHandle) => SandboxHandle["startDetached"] = onHandle(
  "SandboxHandle.startDetached",
  failEffect,
  (self) => self.startDetached
)

/**
 * Graceful stop within `timeout`, then kill, by name (data-first or pipeable).
 *
 * @since 0.1.0
 * @category operations
 */
export const stop: {
  (options?: TimeoutOptions): (self: SandboxHandle) => ReturnType<SandboxHandle["stop"]>
  (self: SandboxHandle, options?: TimeoutOptions): ReturnType<SandboxHandle["stop"]>
} = dual(
  optionsFirst(isSandboxHandle),
  onHandle(
    "SandboxHandle.stop",
    failEffect,
    (self: SandboxHandle, options?: TimeoutOptions) => self.stop(options)
  )
)

/**
 * Kill, then observe the stopped state within `timeout`, by name (data-first or pipeable).
 *
 * @since 0.1.0
 * @category operations
 */
export const kill: {
  (options?: TimeoutOptions): (self: SandboxHandle) => ReturnType<SandboxHandle["kill"]>
  (self: SandboxHandle, options?: TimeoutOptions): ReturnType<SandboxHandle["kill"]>
} = dual(
  optionsFirst(isSandboxHandle),
  onHandle(
    "SandboxHandle.kill",
    failEffect,
    (self: SandboxHandle, options?: TimeoutOptions) => self.kill(options)
  )
)

/**
 * Asks the guest to shut down and returns at once.
 *
 * @since 0.1.0
 * @category operations
 */
export const requestStop: (self: SandboxHandle) => SandboxHandle["requestStop"] = onHandle(
  "SandboxHandle.requestStop",
  failEffect,
  (self) => self.requestStop
)

/**
 * Sends the kill and returns.
 *
 * @since 0.1.0
 * @category operations
 */
export const requestKill: (self: SandboxHandle) => SandboxHandle["requestKill"] = onHandle(
  "SandboxHandle.requestKill",
  failEffect,
  (self) => self.requestKill
)

/**
 * Running → draining.
 *
 * @since 0.1.0
 * @category operations
 */
export const requestDrain: (self: SandboxHandle) => SandboxHandle["requestDrain"] = onHandle(
  "SandboxHandle.requestDrain",
  failEffect,
  (self) => self.requestDrain
)

/**
 * Waits until the sandbox is stopped or crashed.
 *
 * @since 0.1.0
 * @category operations
 */
export const waitUntilStopped: (self: SandboxHandle) => SandboxHandle["waitUntilStopped"] = onHandle(
  "SandboxHandle.waitUntilStopped",
  failEffect,
  (self) => self.waitUntilStopped
)

/**
 * Deletes the stopped sandbox's record, state and logs.
 *
 * @since 0.1.0
 * @category operations
 */
export const remove: (self: SandboxHandle) => SandboxHandle["remove"] = onHandle(
  "SandboxHandle.remove",
  failEffect,
  (self) => self.remove
)

/**
 * A round trip to the guest agent, by name.
 *
 * @since 0.1.0
 * @category operations
 */
export const ping: (self: SandboxHandle) => SandboxHandle["ping"] = onHandle(
  "SandboxHandle.ping",
  failEffect,
  (self) => self.ping
)

/**
 * Refreshes the idle timer, by name.
 *
 * @since 0.1.0
 * @category operations
 */
export const touch: (self: SandboxHandle) => SandboxHandle["touch"] = onHandle(
  "SandboxHandle.touch",
  failEffect,
  (self) => self.touch
)

/**
 * Persisted output, by name (data-first or pipeable).
 *
 * @since 0.1.0
 * @category operations
 */
export const logs: {
  (options?: LogOptions): (self: SandboxHandle) => ReturnType<SandboxHandle["logs"]>
  (self: SandboxHandle, options?: LogOptions): ReturnType<SandboxHandle["logs"]>
} = dual(
  optionsFirst(isSandboxHandle),
  onHandle(
    "SandboxHandle.logs",
    failEffect,
    (self: SandboxHandle, options?: LogOptions) => self.logs(options)
  )
)

/**
 * Persisted output as a Stream, by name (data-first or pipeable).
 *
 * @since 0.1.0
 * @category operations
 */
export const logStream: {
  (options?: LogStreamOptions): (self: SandboxHandle) => ReturnType<SandboxHandle["logStream"]>
  (self: SandboxHandle, options?: LogStreamOptions): ReturnType<SandboxHandle["logStream"]>
} = dual(
  optionsFirst(isSandboxHandle),
  onHandle(
    "SandboxHandle.logStream",
    failStream,
    (self: SandboxHandle, options?: LogStreamOptions) => self.logStream(options)
  )
)

/**
 * The by-name metrics sample.
 *
 * @since 0.1.0
 * @category operations
 */
export const metrics: (self: SandboxHandle) => SandboxHandle["metrics"] = onHandle(
  "SandboxHandle.metrics",
  failEffect,
  (self) => self.metrics
)

/**
 * Plans and applies a modification by name (data-first or pipeable).
 *
 * @since 0.1.0
 * @category operations
 */
export const modify: {
  (patch: Patch, options?: ModifyOptions): (self: SandboxHandle) => ReturnType<SandboxHandle["modify"]>
  (self: SandboxHandle, patch: Patch, options?: ModifyOptions): ReturnType<SandboxHandle["modify"]>
} = dual(
  patchFirst(isSandboxHandle),
  onHandle(
    "SandboxHandle.modify",
    failEffect,
    (self: SandboxHandle, patch: Patch, options?: ModifyOptions) => self.modify(patch, options)
  )
)
