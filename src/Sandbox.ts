/**
 * Sandboxes as scoped resources.
 *
 * `Sandbox.make` boots a sandbox whose lifetime is its `Scope`: on every exit of the
 * Scope — success, failure, defect, interruption — an attached sandbox is stopped
 * (graceful window, then kill) and its handle closed; a detached one is detached.
 * Interrupting `make` while the VM boots cancels the boot and leaves nothing running.
 * docs/lifecycle.md states the rules in full.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Microsandbox, Sandbox, SandboxConfig } from "effect-microsandbox"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function*() {
 *     const sandbox = yield* Sandbox.make("hello", SandboxConfig.image("python:3.12"))
 *     yield* sandbox.ping
 *   })
 * )
 *
 * // Run it with `Effect.runPromise(runnable)` on a host that can boot sandboxes.
 * const runnable = program.pipe(Effect.provide(Microsandbox.layer()))
 * ```
 *
 * @since 0.1.0
 */
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { Pipeable } from "effect/Pipeable"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { AttachOptions, ExecEvent, ExecOptions, ExecProcess, ExecResult } from "./Exec.js"
import { guardSelf, optionsFirst, patchFirst, stringFirst } from "./internal/dual.js"
import * as internal from "./internal/sandbox.js"
import type { LogEntry, LogOptions, LogStreamOptions } from "./Logs.js"
import type { Metrics } from "./Metrics.js"
import { Microsandbox } from "./Microsandbox.js"
import type { ControlError, ExecError, LifecycleError, LogsError, MetricsError } from "./MicrosandboxError.js"
import type { ModificationPlan, ModifyError, ModifyOptions, Patch } from "./Modification.js"
import * as SandboxConfig from "./SandboxConfig.js"
import * as SandboxFilter from "./SandboxFilter.js"
import type { SandboxFs } from "./SandboxFs.js"
import type { SandboxHandle } from "./SandboxHandle.js"
import type { SandboxSsh } from "./Ssh.js"

/**
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: typeof internal.TypeId = internal.TypeId
/**
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = internal.TypeId

/**
 * The status of a sandbox (`created` and `starting` occur on the cloud backend only).
 *
 * @since 0.1.0
 * @category models
 */
export const SandboxStatus = internal.SandboxStatus
/**
 * @since 0.1.0
 * @category models
 */
export type SandboxStatus = internal.SandboxStatus

/**
 * How a sandbox stopped.
 *
 * @since 0.1.0
 * @category models
 */
export const StopResult = internal.StopResult
/**
 * @since 0.1.0
 * @category models
 */
export type StopResult = internal.StopResult
/**
 * A round trip to the guest agent.
 *
 * @since 0.1.0
 * @category models
 */
export const PingResult = internal.PingResult
/**
 * @since 0.1.0
 * @category models
 */
export type PingResult = internal.PingResult
/**
 * The idle timer was refreshed.
 *
 * @since 0.1.0
 * @category models
 */
export const TouchResult = internal.TouchResult
/**
 * @since 0.1.0
 * @category models
 */
export type TouchResult = internal.TouchResult

/**
 * @since 0.1.0
 * @category models
 */
export type StopOptions = internal.StopOptions
/**
 * @since 0.1.0
 * @category models
 */
export type KillOptions = internal.KillOptions

/**
 * A running sandbox, connected. Its operations need no further services.
 *
 * @since 0.1.0
 * @category models
 */
export interface Sandbox extends Pipeable {
  readonly [TypeId]: TypeId
  readonly name: string
  /** The configuration it was created with (empty for `start`/`connect`). */
  readonly config: SandboxConfig.SandboxConfig
  /** Whether this handle owns the VM's lifecycle (closing it stops the VM). */
  readonly ownsLifecycle: Effect.Effect<boolean, ControlError>
  /** `ownsLifecycle`, with `false` on any error. */
  readonly ownsLifecycleOrFalse: Effect.Effect<boolean>
  /** Graceful stop within `timeout` (default 10 s; zero kills at once), then kill. The handle stays open. */
  readonly stop: (options?: StopOptions) => Effect.Effect<void, ControlError>
  /** Asks the guest to shut down and returns at once. */
  readonly requestStop: Effect.Effect<void, ControlError>
  /** Kills the VM and observes the stopped state within `timeout` (default 5 s). */
  readonly kill: (options?: KillOptions) => Effect.Effect<void, ControlError>
  /** Sends the kill and returns. */
  readonly requestKill: Effect.Effect<void, ControlError>
  /** Running → draining: the guest finishes its work, then stops. */
  readonly requestDrain: Effect.Effect<void, ControlError>
  /** Waits, without bound, until the sandbox stops or crashes. */
  readonly waitUntilStopped: Effect.Effect<StopResult, ControlError>
  /** Lets the VM outlive this handle and this process; the Scope then leaves it alone. */
  readonly detach: Effect.Effect<void, ControlError>
  /** Closes the handle now (an owning handle's VM then shuts down); the Scope then leaves it alone. */
  readonly close: Effect.Effect<void, ControlError>
  /** A round trip to the guest agent (does not refresh the idle timer). */
  readonly ping: Effect.Effect<PingResult, ControlError>
  /** Refreshes the idle timer. */
  readonly touch: Effect.Effect<TouchResult, ControlError>
  /** The sandbox's record, read now. */
  readonly info: Effect.Effect<SandboxHandle, ControlError>
  /**
   * Plans, and unless `dryRun` applies, a change of resources, env, labels, workdir or
   * secrets (`policy`: `no_restart` by default, `next_start`, `restart`). See the
   * Modification module.
   */
  readonly modify: (patch: Patch, options?: ModifyOptions) => Effect.Effect<ModificationPlan, ModifyError>

  /**
   * Runs a command (no shell) and collects its output. A non-zero exit is a value
   * (`Exec.orFail` makes it an error); `ExecFailed` when it cannot start; `ExecTimeout`
   * past `options.timeout`.
   */
  readonly exec: <E = never>(
    command: string,
    args?: ReadonlyArray<string>,
    options?: ExecOptions<E>
  ) => Effect.Effect<ExecResult, ExecError | E>
  /** Runs the image's default command (entrypoint + cmd, then `args`); `NoDefaultCommand` when there is none. */
  readonly execDefault: <E = never>(
    options?: ExecOptions<E> & { readonly args?: ReadonlyArray<string> }
  ) => Effect.Effect<ExecResult, ExecError | E>
  /** Runs a script through the sandbox's shell (`<shell> -c script`). */
  readonly shell: <E = never>(
    script: string,
    options?: ExecOptions<E>
  ) => Effect.Effect<ExecResult, ExecError | E>
  /**
   * A command's events as a Stream: one native receive per pull. The session is closed
   * when the stream ends; interrupting it kills the command (unless `killOnInterrupt: false`).
   */
  readonly execStream: <E = never>(
    command: string,
    args?: ReadonlyArray<string>,
    options?: ExecOptions<E>
  ) => Stream.Stream<ExecEvent, ExecError | E>
  /** `execStream` of the default command. */
  readonly execDefaultStream: <E = never>(
    options?: ExecOptions<E> & { readonly args?: ReadonlyArray<string> }
  ) => Stream.Stream<ExecEvent, ExecError | E>
  /** `execStream` of a script through the sandbox's shell. */
  readonly shellStream: <E = never>(
    script: string,
    options?: ExecOptions<E>
  ) => Stream.Stream<ExecEvent, ExecError | E>
  /** Starts a command to control while it runs (stdin, signals, resize); owned by the Scope. */
  readonly spawn: (
    command: string,
    args?: ReadonlyArray<string>,
    options?: ExecOptions<never> & { readonly stdinPipe?: boolean }
  ) => Effect.Effect<ExecProcess, ExecError, Scope.Scope>
  /**
   * Bridges this process's terminal to a command in the sandbox and returns its exit
   * code; `NotATerminal` when stdin or stdout is not a TTY.
   */
  readonly attach: (
    command: string,
    args?: ReadonlyArray<string>,
    options?: AttachOptions
  ) => Effect.Effect<number, ExecError>
  /** `attach` to the default command. */
  readonly attachDefault: (
    options?: AttachOptions & { readonly args?: ReadonlyArray<string> }
  ) => Effect.Effect<
    number,
    ExecError
  >
  /** `attach` to the sandbox's shell. */
  readonly attachShell: Effect.Effect<number, ExecError>
  /** The guest filesystem. */
  readonly fs: SandboxFs
  /** SSH into the sandbox: an in-process client (exec, attach, SFTP) or a server endpoint on stdio (see `Ssh`). */
  readonly ssh: SandboxSsh

  /** Persisted output (default sources: stdout, stderr, output), sorted by time. */
  readonly logs: (options?: LogOptions) => Effect.Effect<ReadonlyArray<LogEntry>, LogsError>
  /**
   * Persisted output as a Stream, one native receive per pull; with `follow`, new
   * entries as they are written. The native stream is closed when the Stream ends.
   */
  readonly logStream: (options?: LogStreamOptions) => Stream.Stream<LogEntry, LogsError>
  /** A point-in-time sample (`MetricsDisabled` when sampling is off). */
  readonly metrics: Effect.Effect<Metrics, MetricsError>
  /**
   * The runtime's metrics stream: a sample per `interval` (rounded up to whole
   * milliseconds), ending when the sandbox stops. The runtime samples on its own clock
   * and queues samples until they are received; `Metrics.poll` samples on demand instead.
   */
  readonly metricsStream: (interval: Duration.DurationInput) => Stream.Stream<Metrics, MetricsError>
}

/**
 * @since 0.1.0
 * @category guards
 */
export const isSandbox: (u: unknown) => u is Sandbox = internal.isSandbox

// The data-first bodies below refuse a `self` that is not a Sandbox with an InvalidArgument.
const onSandbox = guardSelf({ is: internal.isSandbox, argument: "sandbox", expected: "a Sandbox" })

/**
 * Creates and boots a sandbox owned by the current Scope.
 *
 * The name and the configuration are decoded first (`SandboxConfig.validate`):
 * a bad value, whatever its origin, fails with `InvalidConfig` naming the member
 * before anything crosses the boundary, so no sandbox exists for it. Then
 * `SandboxAlreadyExists` when the name is taken (use `SandboxConfig.replace()`), or
 * the runtime's errors.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  name: string,
  ...options: ReadonlyArray<SandboxConfig.Option>
): Effect.Effect<Sandbox, LifecycleError, Microsandbox | Scope.Scope> =>
  Effect.suspend(() => internal.create(name, SandboxConfig.make(...options)))

/**
 * Like `make`, from a configuration value, decoded through the `SandboxConfig`
 * Schema (a configuration loaded from JSON or built by a JavaScript caller is checked
 * member by member; unknown members are refused).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeWith = (
  name: string,
  config: SandboxConfig.SandboxConfig
): Effect.Effect<Sandbox, LifecycleError, Microsandbox | Scope.Scope> =>
  Effect.suspend(() => internal.create(name, config, "Sandbox.makeWith"))

/**
 * A sandbox as a Layer for a service tag of yours: services receive it by dependency
 * injection; the Layer's scope owns it.
 *
 * @example
 * ```ts
 * import { Context } from "effect"
 * import { Sandbox, SandboxConfig } from "effect-microsandbox"
 *
 * class Worker extends Context.Tag("Worker")<Worker, Sandbox.Sandbox>() {}
 * const WorkerLive = Sandbox.layer(Worker, "worker", SandboxConfig.image("alpine"))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <I>(
  tag: Context.Tag<I, Sandbox>,
  name: string,
  ...options: ReadonlyArray<SandboxConfig.Option>
): Layer.Layer<I, LifecycleError, Microsandbox> => Layer.scoped(tag, make(name, ...options))

/**
 * The sandbox of that name, as a metadata handle (`SandboxNotFound` when absent).
 *
 * @since 0.1.0
 * @category listing
 */
export const get = (name: string): Effect.Effect<SandboxHandle, ControlError, Microsandbox> =>
  Effect.flatMap(Microsandbox, (svc) => internal.lookup(svc, name))

/**
 * Every sandbox, newest first (every page).
 *
 * @since 0.1.0
 * @category listing
 */
export const list: Effect.Effect<ReadonlyArray<SandboxHandle>, ControlError, Microsandbox> = Effect
  .flatMap(
    Microsandbox,
    (svc) => internal.listAll(svc, SandboxFilter.empty)
  )

/**
 * Every sandbox matching the filter's labels, newest first: always all of them, read
 * page by page. The filter's `limit` is only the size of each page read and its
 * `cursor` where the walk starts. For one page and the cursor of the next, use
 * `listPage`; to consume the pages as they arrive, `stream`.
 *
 * @since 0.1.0
 * @category listing
 */
export const listWith = (
  filter: SandboxFilter.SandboxFilter
): Effect.Effect<ReadonlyArray<SandboxHandle>, ControlError, Microsandbox> =>
  Effect.flatMap(Microsandbox, (svc) => internal.listAll(svc, filter))

/**
 * One page of sandboxes (at most the filter's `limit`, after its `cursor`) and the
 * cursor of the next page (`None` after the last).
 *
 * @since 0.1.0
 * @category listing
 */
export const listPage = (
  filter: SandboxFilter.SandboxFilter
): Effect.Effect<
  { readonly sandboxes: ReadonlyArray<SandboxHandle>; readonly nextCursor: Option.Option<string> },
  ControlError,
  Microsandbox
> => Effect.flatMap(Microsandbox, (svc) => internal.listPage(svc, filter))

/**
 * Options of `Sandbox.stream`.
 *
 * @since 0.1.0
 * @category listing
 */
export interface StreamOptions {
  /** Sandboxes per native call (1–100; default: the filter's `limit`, else 100). */
  readonly pageSize?: number | undefined
}

/**
 * Every sandbox matching the filter's labels as a Stream, newest first: one native list
 * call per page, made when the stream is pulled past the previous page (data-first or
 * pipeable). `Stream.take` stops reading pages.
 *
 * @example
 * ```ts
 * import { Stream } from "effect"
 * import { Sandbox, SandboxFilter } from "effect-microsandbox"
 *
 * const firstTen = Sandbox.stream(SandboxFilter.empty, { pageSize: 5 }).pipe(Stream.take(10), Stream.runCollect)
 * const acme = SandboxFilter.make({ labels: { tenant: "acme" } }).pipe(Sandbox.stream({ pageSize: 20 }))
 * ```
 *
 * @since 0.1.0
 * @category listing
 */
export const stream: {
  (options?: StreamOptions): (filter: SandboxFilter.SandboxFilter) => Stream.Stream<
    SandboxHandle,
    ControlError,
    Microsandbox
  >
  (
    filter: SandboxFilter.SandboxFilter,
    options?: StreamOptions
  ): Stream.Stream<SandboxHandle, ControlError, Microsandbox>
} = dual(
  optionsFirst(SandboxFilter.isSandboxFilter),
  guardSelf({ is: SandboxFilter.isSandboxFilter, argument: "filter", expected: "a SandboxFilter" })(
    "Sandbox.stream",
    Stream.fail,
    (filter: SandboxFilter.SandboxFilter, options?: StreamOptions) =>
      Stream.unwrap(Effect.map(Microsandbox, (svc) =>
        internal.listStream(
          svc,
          filter,
          options?.pageSize ?? Option.getOrElse(filter.limit, () => internal.DEFAULT_PAGE_SIZE)
        )))
  )
)

/**
 * Boots a stopped sandbox by name, owned by the current Scope
 * (`SandboxStillRunning` when it already runs).
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const start = (name: string): Effect.Effect<Sandbox, LifecycleError, Microsandbox | Scope.Scope> =>
  internal.start(name, false)

/**
 * Boots a stopped sandbox detached: it outlives the Scope and this process.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const startDetached = (
  name: string
): Effect.Effect<Sandbox, LifecycleError, Microsandbox | Scope.Scope> => internal.start(name, true)

/**
 * Connects to a running sandbox by name; releasing the Scope disconnects.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const connect = (
  name: string
): Effect.Effect<Sandbox, LifecycleError, Microsandbox | Scope.Scope> => internal.connect(name)

/**
 * Removes a stopped sandbox's record, state and logs (`SandboxStillRunning` while it
 * runs, `SandboxNotFound` when absent).
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const remove = (name: string): Effect.Effect<void, ControlError, Microsandbox> =>
  Effect.flatMap(Microsandbox, (svc) => internal.remove(svc, name))

/**
 * Metrics of every running or draining sandbox, by name.
 *
 * @since 0.1.0
 * @category metrics
 */
export const allMetrics: Effect.Effect<ReadonlyMap<string, Metrics>, MetricsError, Microsandbox> = Effect
  .flatMap(
    Microsandbox,
    (svc) => internal.allMetrics(svc)
  )

/**
 * Runs a command in a sandbox and collects its output (data-first or pipeable).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Sandbox } from "effect-microsandbox"
 *
 * const listing = (sandbox: Sandbox.Sandbox) =>
 *   Effect.gen(function*() {
 *     const out = yield* sandbox.pipe(Sandbox.exec("ls", ["-la", "/app"]))
 *     const same = yield* Sandbox.exec(sandbox, "ls", ["-la", "/app"])
 *     return out.stdout === same.stdout
 *   })
 * ```
 *
 * @since 0.1.0
 * @category exec
 */
export const exec: {
  <E = never>(
    command: string,
    args?: ReadonlyArray<string>,
    options?: ExecOptions<E>
  ): (self: Sandbox) => Effect.Effect<ExecResult, ExecError | E>
  <E = never>(
    self: Sandbox,
    command: string,
    args?: ReadonlyArray<string>,
    options?: ExecOptions<E>
  ): Effect.Effect<ExecResult, ExecError | E>
} = dual(
  stringFirst(isSandbox, 3),
  onSandbox(
    "Sandbox.exec",
    Effect.fail,
    <E>(self: Sandbox, command: string, args?: ReadonlyArray<string>, options?: ExecOptions<E>) =>
      self.exec(command, args, options)
  )
)

/**
 * Runs a script through the sandbox's shell (data-first or pipeable).
 *
 * @since 0.1.0
 * @category exec
 */
export const shell: {
  <E = never>(
    script: string,
    options?: ExecOptions<E>
  ): (self: Sandbox) => Effect.Effect<ExecResult, ExecError | E>
  <E = never>(
    self: Sandbox,
    script: string,
    options?: ExecOptions<E>
  ): Effect.Effect<ExecResult, ExecError | E>
} = dual(
  stringFirst(isSandbox, 2),
  onSandbox(
    "Sandbox.shell",
    Effect.fail,
    <E>(self: Sandbox, script: string, options?: ExecOptions<E>) => self.shell(script, options)
  )
)

/**
 * A command's events as a Stream (data-first or pipeable).
 *
 * @since 0.1.0
 * @category exec
 */
export const execStream: {
  <E = never>(
    command: string,
    args?: ReadonlyArray<string>,
    options?: ExecOptions<E>
  ): (self: Sandbox) => Stream.Stream<ExecEvent, ExecError | E>
  <E = never>(
    self: Sandbox,
    command: string,
    args?: ReadonlyArray<string>,
    options?: ExecOptions<E>
  ): Stream.Stream<ExecEvent, ExecError | E>
} = dual(
  stringFirst(isSandbox, 3),
  onSandbox(
    "Sandbox.execStream",
    Stream.fail,
    <E>(self: Sandbox, command: string, args?: ReadonlyArray<string>, options?: ExecOptions<E>) =>
      self.execStream(command, args, options)
  )
)

/**
 * Stops a sandbox: graceful window, then kill (data-first or pipeable).
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const stop: {
  (options?: StopOptions): (self: Sandbox) => Effect.Effect<void, ControlError>
  (self: Sandbox, options?: StopOptions): Effect.Effect<void, ControlError>
} = dual(
  optionsFirst(isSandbox),
  onSandbox("Sandbox.stop", Effect.fail, (self: Sandbox, options?: StopOptions) => self.stop(options))
)

/**
 * Kills a sandbox (data-first or pipeable).
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const kill: {
  (options?: KillOptions): (self: Sandbox) => Effect.Effect<void, ControlError>
  (self: Sandbox, options?: KillOptions): Effect.Effect<void, ControlError>
} = dual(
  optionsFirst(isSandbox),
  onSandbox("Sandbox.kill", Effect.fail, (self: Sandbox, options?: KillOptions) => self.kill(options))
)

/**
 * Plans and applies a live modification (data-first or pipeable); see the Modification
 * module.
 *
 * @example
 * ```ts
 * import { Sandbox } from "effect-microsandbox"
 *
 * const nextBoot = (sandbox: Sandbox.Sandbox) =>
 *   sandbox.pipe(Sandbox.modify({ env: { MODE: "fast" } }, { policy: "next_start" }))
 * ```
 *
 * @since 0.1.0
 * @category operations
 */
export const modify: {
  (patch: Patch, options?: ModifyOptions): (self: Sandbox) => Effect.Effect<ModificationPlan, ModifyError>
  (self: Sandbox, patch: Patch, options?: ModifyOptions): Effect.Effect<ModificationPlan, ModifyError>
} = dual(
  patchFirst(isSandbox),
  onSandbox(
    "Sandbox.modify",
    Effect.fail,
    (self: Sandbox, patch: Patch, options?: ModifyOptions) => self.modify(patch, options)
  )
)

// ------------------------------------------------------------------ operations as functions

/**
 * Whether this handle owns the VM's lifecycle (`sandbox.pipe(Sandbox.ownsLifecycle)`).
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const ownsLifecycle: (self: Sandbox) => Sandbox["ownsLifecycle"] = onSandbox(
  "Sandbox.ownsLifecycle",
  Effect.fail,
  (self) => self.ownsLifecycle
)

/**
 * `ownsLifecycle`, with `false` on any error.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const ownsLifecycleOrFalse = (self: Sandbox): Sandbox["ownsLifecycleOrFalse"] =>
  // Anything that is not a Sandbox owns nothing (this form has no error channel).
  isSandbox(self) ? self.ownsLifecycleOrFalse : Effect.succeed(false)

/**
 * Asks the guest to shut down and returns at once.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const requestStop: (self: Sandbox) => Sandbox["requestStop"] = onSandbox(
  "Sandbox.requestStop",
  Effect.fail,
  (self) => self.requestStop
)

/**
 * Sends the kill and returns.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const requestKill: (self: Sandbox) => Sandbox["requestKill"] = onSandbox(
  "Sandbox.requestKill",
  Effect.fail,
  (self) => self.requestKill
)

/**
 * Running → draining: the guest finishes its work, then stops.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const requestDrain: (self: Sandbox) => Sandbox["requestDrain"] = onSandbox(
  "Sandbox.requestDrain",
  Effect.fail,
  (self) => self.requestDrain
)

/**
 * Waits, without bound, until the sandbox stops or crashes.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const waitUntilStopped: (self: Sandbox) => Sandbox["waitUntilStopped"] = onSandbox(
  "Sandbox.waitUntilStopped",
  Effect.fail,
  (self) => self.waitUntilStopped
)

/**
 * Lets the VM outlive this handle and this process; the Scope then leaves it alone.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const detach: (self: Sandbox) => Sandbox["detach"] = onSandbox(
  "Sandbox.detach",
  Effect.fail,
  (self) => self.detach
)

/**
 * Closes the handle now; the Scope then leaves it alone.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const close: (self: Sandbox) => Sandbox["close"] = onSandbox(
  "Sandbox.close",
  Effect.fail,
  (self) => self.close
)

/**
 * A round trip to the guest agent (does not refresh the idle timer).
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const ping: (self: Sandbox) => Sandbox["ping"] = onSandbox(
  "Sandbox.ping",
  Effect.fail,
  (self) => self.ping
)

/**
 * Refreshes the idle timer.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const touch: (self: Sandbox) => Sandbox["touch"] = onSandbox(
  "Sandbox.touch",
  Effect.fail,
  (self) => self.touch
)

/**
 * The sandbox's record, read now.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const info: (self: Sandbox) => Sandbox["info"] = onSandbox(
  "Sandbox.info",
  Effect.fail,
  (self) => self.info
)

/**
 * Runs the image's default command and collects its output (data-first or pipeable).
 *
 * @since 0.1.0
 * @category exec
 */
export const execDefault: {
  <E = never>(
    options?: ExecOptions<E> & { readonly args?: ReadonlyArray<string> }
  ): (self: Sandbox) => Effect.Effect<ExecResult, ExecError | E>
  <E = never>(
    self: Sandbox,
    options?: ExecOptions<E> & { readonly args?: ReadonlyArray<string> }
  ): Effect.Effect<ExecResult, ExecError | E>
} = dual(
  optionsFirst(isSandbox),
  onSandbox(
    "Sandbox.execDefault",
    Effect.fail,
    <E>(self: Sandbox, options?: ExecOptions<E> & { readonly args?: ReadonlyArray<string> }) =>
      self.execDefault(options)
  )
)

/**
 * The default command's events as a Stream (data-first or pipeable).
 *
 * @since 0.1.0
 * @category exec
 */
export const execDefaultStream: {
  <E = never>(
    options?: ExecOptions<E> & { readonly args?: ReadonlyArray<string> }
  ): (self: Sandbox) => Stream.Stream<ExecEvent, ExecError | E>
  <E = never>(
    self: Sandbox,
    options?: ExecOptions<E> & { readonly args?: ReadonlyArray<string> }
  ): Stream.Stream<ExecEvent, ExecError | E>
} = dual(
  optionsFirst(isSandbox),
  onSandbox(
    "Sandbox.execDefaultStream",
    Stream.fail,
    <E>(self: Sandbox, options?: ExecOptions<E> & { readonly args?: ReadonlyArray<string> }) =>
      self.execDefaultStream(options)
  )
)

/**
 * A script's events through the sandbox's shell, as a Stream (data-first or pipeable).
 *
 * @since 0.1.0
 * @category exec
 */
export const shellStream: {
  <E = never>(
    script: string,
    options?: ExecOptions<E>
  ): (self: Sandbox) => Stream.Stream<ExecEvent, ExecError | E>
  <E = never>(
    self: Sandbox,
    script: string,
    options?: ExecOptions<E>
  ): Stream.Stream<ExecEvent, ExecError | E>
} = dual(
  stringFirst(isSandbox, 2),
  onSandbox(
    "Sandbox.shellStream",
    Stream.fail,
    <E>(self: Sandbox, script: string, options?: ExecOptions<E>) => self.shellStream(script, options)
  )
)

/**
 * Starts a command to control while it runs, owned by the Scope (data-first or pipeable).
 *
 * @since 0.1.0
 * @category exec
 */
export const spawn: {
  (
    command: string,
    args?: ReadonlyArray<string>,
    options?: Parameters<Sandbox["spawn"]>[2]
  ): (self: Sandbox) => ReturnType<Sandbox["spawn"]>
  (
    self: Sandbox,
    command: string,
    args?: ReadonlyArray<string>,
    options?: Parameters<Sandbox["spawn"]>[2]
  ): ReturnType<Sandbox["spawn"]>
} = dual(
  stringFirst(isSandbox, 3),
  onSandbox(
    "Sandbox.spawn",
    Effect.fail,
    (
      self: Sandbox,
      command: string,
      args?: ReadonlyArray<string>,
      options?: Parameters<Sandbox["spawn"]>[2]
    ) => self.spawn(command, args, options)
  )
)

/**
 * Bridges this process's terminal to a command in the sandbox (data-first or pipeable).
 *
 * @since 0.1.0
 * @category exec
 */
export const attach: {
  (
    command: string,
    args?: ReadonlyArray<string>,
    options?: AttachOptions
  ): (self: Sandbox) => ReturnType<Sandbox["attach"]>
  (
    self: Sandbox,
    command: string,
    args?: ReadonlyArray<string>,
    options?: AttachOptions
  ): ReturnType<Sandbox["attach"]>
} = dual(
  stringFirst(isSandbox, 3),
  onSandbox(
    "Sandbox.attach",
    Effect.fail,
    (self: Sandbox, command: string, args?: ReadonlyArray<string>, options?: AttachOptions) =>
      self.attach(command, args, options)
  )
)

/**
 * `attach` to the default command (data-first or pipeable).
 *
 * @since 0.1.0
 * @category exec
 */
export const attachDefault: {
  (options?: Parameters<Sandbox["attachDefault"]>[0]): (self: Sandbox) => ReturnType<Sandbox["attachDefault"]>
  (self: Sandbox, options?: Parameters<Sandbox["attachDefault"]>[0]): ReturnType<Sandbox["attachDefault"]>
} = dual(
  optionsFirst(isSandbox),
  onSandbox(
    "Sandbox.attachDefault",
    Effect.fail,
    (self: Sandbox, options?: Parameters<Sandbox["attachDefault"]>[0]) => self.attachDefault(options)
  )
)

/**
 * `attach` to the sandbox's shell.
 *
 * @since 0.1.0
 * @category exec
 */
export const attachShell: (self: Sandbox) => Sandbox["attachShell"] = onSandbox(
  "Sandbox.attachShell",
  Effect.fail,
  (self) => self.attachShell
)

/**
 * Persisted output, sorted by time (data-first or pipeable).
 *
 * @example
 * ```ts
 * import { Sandbox } from "effect-microsandbox"
 *
 * const lastTen = (sandbox: Sandbox.Sandbox) => sandbox.pipe(Sandbox.logs({ tail: 10 }))
 * ```
 *
 * @since 0.1.0
 * @category logs
 */
export const logs: {
  (options?: LogOptions): (self: Sandbox) => ReturnType<Sandbox["logs"]>
  (self: Sandbox, options?: LogOptions): ReturnType<Sandbox["logs"]>
} = dual(
  optionsFirst(isSandbox),
  onSandbox("Sandbox.logs", Effect.fail, (self: Sandbox, options?: LogOptions) => self.logs(options))
)

/**
 * Persisted output as a Stream; with `follow`, new entries as they are written
 * (data-first or pipeable).
 *
 * @since 0.1.0
 * @category logs
 */
export const logStream: {
  (options?: LogStreamOptions): (self: Sandbox) => ReturnType<Sandbox["logStream"]>
  (self: Sandbox, options?: LogStreamOptions): ReturnType<Sandbox["logStream"]>
} = dual(
  optionsFirst(isSandbox),
  onSandbox(
    "Sandbox.logStream",
    Stream.fail,
    (self: Sandbox, options?: LogStreamOptions) => self.logStream(options)
  )
)

/**
 * A point-in-time metrics sample.
 *
 * @since 0.1.0
 * @category metrics
 */
export const metrics: (self: Sandbox) => Sandbox["metrics"] = onSandbox(
  "Sandbox.metrics",
  Effect.fail,
  (self) => self.metrics
)

/**
 * The runtime's metrics stream, a sample per `interval` (data-first or pipeable).
 *
 * @since 0.1.0
 * @category metrics
 */
export const metricsStream: {
  (interval: Duration.DurationInput): (self: Sandbox) => ReturnType<Sandbox["metricsStream"]>
  (self: Sandbox, interval: Duration.DurationInput): ReturnType<Sandbox["metricsStream"]>
} = dual(
  2,
  onSandbox(
    "Sandbox.metricsStream",
    Stream.fail,
    (self: Sandbox, interval: Duration.DurationInput) => self.metricsStream(interval)
  )
)

/**
 * Reads a guest file (data-first or pipeable; `sandbox.fs` has every filesystem verb).
 *
 * @since 0.1.0
 * @category filesystem
 */
export const readFile: {
  (path: string): (self: Sandbox) => ReturnType<SandboxFs["read"]>
  (self: Sandbox, path: string): ReturnType<SandboxFs["read"]>
} = dual(
  2,
  onSandbox("Sandbox.readFile", Effect.fail, (self: Sandbox, path: string) => self.fs.read(path))
)

/**
 * Reads a guest file as UTF-8 text (data-first or pipeable).
 *
 * @since 0.1.0
 * @category filesystem
 */
export const readFileString: {
  (path: string): (self: Sandbox) => ReturnType<SandboxFs["readString"]>
  (self: Sandbox, path: string): ReturnType<SandboxFs["readString"]>
} = dual(
  2,
  onSandbox("Sandbox.readFileString", Effect.fail, (self: Sandbox, path: string) => self.fs.readString(path))
)

/**
 * Writes a guest file, bytes or UTF-8 text (data-first or pipeable).
 *
 * @since 0.1.0
 * @category filesystem
 */
export const writeFile: {
  (path: string, data: Uint8Array | string): (self: Sandbox) => ReturnType<SandboxFs["write"]>
  (self: Sandbox, path: string, data: Uint8Array | string): ReturnType<SandboxFs["write"]>
} = dual(
  3,
  onSandbox(
    "Sandbox.writeFile",
    Effect.fail,
    (self: Sandbox, path: string, data: Uint8Array | string) => self.fs.write(path, data)
  )
)

// ------------------------------------------------------------------ release order

/**
 * Options of `Sandbox.parallelRelease`.
 *
 * @since 0.1.0
 * @category release
 */
export interface ParallelReleaseOptions {
  /** How many finalizers run at once (default `"unbounded"`). */
  readonly concurrency?: number | "unbounded" | undefined
}

/**
 * Releases the sandboxes (and any other resources) acquired by `self` concurrently
 * instead of last-in-first-out: `self` runs in a child of the current Scope whose
 * finalizers run in parallel (at most `concurrency` at a time). The child is itself an
 * ordinary finalizer of the current Scope, so the group is released as one step of that
 * Scope's last-in-first-out order (data-first or pipeable).
 *
 * `Effect.parallelFinalizers` does the same with no bound; `Effect.forEach(..., {
 * concurrency, concurrentFinalizers: true })` releases what its items acquired in parallel.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Sandbox, SandboxConfig } from "effect-microsandbox"
 *
 * const names = ["w1", "w2", "w3"]
 * const workers = Effect.forEach(names, (name) => Sandbox.make(name, SandboxConfig.image("alpine")), {
 *   concurrency: 10
 * }).pipe(Sandbox.parallelRelease())
 * ```
 *
 * @since 0.1.0
 * @category release
 */
export const parallelRelease: {
  (
    options?: ParallelReleaseOptions
  ): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R | Scope.Scope>
  <A, E, R>(
    self: Effect.Effect<A, E, R>,
    options?: ParallelReleaseOptions
  ): Effect.Effect<A, E, R | Scope.Scope>
} = dual(
  (args) => Effect.isEffect(args[0]),
  <A, E, R>(self: Effect.Effect<A, E, R>, options?: ParallelReleaseOptions) =>
    internal.parallelRelease(self, options?.concurrency ?? "unbounded")
)
