/**
 * The implementation behind the Sandbox and SandboxHandle modules: native calls,
 * the live sandbox object, its release.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Exec from "../Exec.js"
import type { LogOptions, LogStreamOptions } from "../Logs.js"
import { Microsandbox, type MicrosandboxService } from "../Microsandbox.js"
import type { ControlError, ExecError, LifecycleError, MicrosandboxError } from "../MicrosandboxError.js"
import * as Errors from "../MicrosandboxError.js"
import type * as Modification from "../Modification.js"
import type { Sandbox } from "../Sandbox.js"
import * as SandboxConfig from "../SandboxConfig.js"
import type { SandboxHandle } from "../SandboxHandle.js"
import { classifyBootFailure } from "./bootFailure.js"
import { narrow } from "./errors.js"
import * as ExecImpl from "./exec.js"
import type { NativeLibrary } from "./ffi/native.js"
import * as FsImpl from "./fs.js"
import { checkExec, checkInterval, checkLogOptions } from "./inputs.js"
import * as LogsImpl from "./logs.js"
import * as MetricsImpl from "./metrics.js"
import * as MetricsModule from "./metricsCodec.js"
import * as ModifyImpl from "./modify.js"
import { type SandboxCore, withHandle } from "./sandboxCore.js"
import * as SnapshotImpl from "./snapshot.js"
import * as SshImpl from "./ssh.js"
import {
  checkSandboxName,
  checkString,
  checkStringRecord,
  decodeDuration,
  invalidArgument,
  MAX_UNITS,
  sandboxNameRefusal,
  show
} from "./validate.js"

export { type SandboxCore, withHandle } from "./sandboxCore.js"

export const TypeId: unique symbol = Symbol.for("effect-microsandbox/Sandbox")
export type TypeId = typeof TypeId
export const HandleTypeId: unique symbol = Symbol.for("effect-microsandbox/SandboxHandle")
export type HandleTypeId = typeof HandleTypeId

// ------------------------------------------------------------------ models

export const SandboxStatus = Schema.Literal(
  "created",
  "starting",
  "running",
  "draining",
  "paused",
  "stopped",
  "crashed"
)
export type SandboxStatus = typeof SandboxStatus.Type

export class StopResult extends Schema.Class<StopResult>("StopResult")({
  name: Schema.String,
  /** `stopped` or `crashed`. */
  status: SandboxStatus,
  /** Exit code of the VM's runtime process (only the lifecycle owner observes it). */
  exitCode: Schema.OptionFromSelf(Schema.Number),
  /** Terminating signal of that process (owner only). */
  signal: Schema.OptionFromSelf(Schema.Number),
  observedAt: Schema.DateFromSelf,
  /** How the stop was observed: `owned process wait`, `refreshed backend state`, or ephemeral cleanup. */
  source: Schema.OptionFromSelf(Schema.String)
}) {}

export class PingResult extends Schema.Class<PingResult>("PingResult")({
  name: Schema.String,
  latency: Schema.DurationFromSelf
}) {}

export class TouchResult extends Schema.Class<TouchResult>("TouchResult")({
  name: Schema.String,
  activitySeq: Schema.Number
}) {}

export interface StopOptions {
  /** Graceful window before the kill (default 10 s; zero kills at once). */
  readonly timeout?: Duration.DurationInput
}
export interface KillOptions {
  /** How long to wait to observe the stopped state (default 5 s). */
  readonly timeout?: Duration.DurationInput
}

const HandleJson = Schema.Struct({ handle: Schema.Number, backend_kind: Schema.String })
const OkJson = Schema.Struct({ ok: Schema.Boolean })
const InfoJson = Schema.Struct({
  name: Schema.String,
  status: Schema.String,
  config_json: Schema.String,
  created_at_unix: Schema.NullOr(Schema.Number),
  updated_at_unix: Schema.NullOr(Schema.Number),
  backend_kind: Schema.String
})
type InfoJson = typeof InfoJson.Type
const ListJson = Schema.Struct({
  sandboxes: Schema.Array(InfoJson),
  next_cursor: Schema.NullOr(Schema.String)
})
const StopJson = Schema.Struct({
  name: Schema.String,
  status: SandboxStatus,
  exit_code: Schema.NullOr(Schema.Number),
  signal: Schema.NullOr(Schema.Number),
  observed_at_unix: Schema.Number,
  source: Schema.NullOr(Schema.String)
})
const PingJson = Schema.Struct({ name: Schema.String, latency_ms: Schema.Number })
const TouchJson = Schema.Struct({ name: Schema.String, activity_seq: Schema.Number })
const OwnsJson = Schema.Struct({ owns: Schema.Boolean })
const AllMetricsJson = Schema.Struct({
  sandboxes: Schema.Record({ key: Schema.String, value: MetricsModule.MetricsJson })
})

const toStopResult = (j: typeof StopJson.Type) =>
  new StopResult({
    name: j.name,
    status: j.status,
    exitCode: Option.fromNullable(j.exit_code),
    signal: Option.fromNullable(j.signal),
    observedAt: new Date(j.observed_at_unix * 1000),
    source: Option.fromNullable(j.source)
  })
const millis = (d: Duration.DurationInput | undefined, dflt: number): bigint =>
  d === undefined
    ? BigInt(dflt)
    : BigInt(Math.min(MAX_UNITS, Math.ceil(Duration.toMillis(Duration.decode(d)))))

/**
 * The `timeout` of stop/kill options in whole milliseconds (rounded up): a negative,
 * NaN or malformed duration is `InvalidArgument`, never "zero" (which kills at once).
 */
const timeoutMillis = (
  ctx: { readonly operation: string; readonly sandbox?: string },
  options: unknown,
  dflt: number
): Effect.Effect<bigint, Errors.InvalidArgument> =>
  Effect.suspend(() => {
    if (options === undefined) return Effect.succeed(BigInt(dflt))
    if (typeof options !== "object" || options === null) {
      return Effect.fail(invalidArgument(ctx, "options", `options must be an object, got ${show(options)}`))
    }
    const timeout = (options as { readonly timeout?: unknown }).timeout
    if (timeout === undefined) return Effect.succeed(BigInt(dflt))
    return Either.match(decodeDuration(timeout), {
      onLeft: (reason) => Effect.fail(invalidArgument(ctx, "timeout", `timeout ${reason}`)),
      // An infinite window is the longest the runtime can take.
      onRight: (d) => Effect.succeed(BigInt(Math.min(MAX_UNITS, Math.ceil(Duration.toMillis(d)))))
    })
  })

const SystemLogJson = Schema.Array(Schema.Struct({ data_b64: Schema.String }))

/** The sandbox's system log lines since a time, by name (empty when they cannot be read). */
const systemLog = (
  native: NativeLibrary,
  name: string,
  sinceMs: number
): Effect.Effect<ReadonlyArray<string>> =>
  native.callDecode(
    "msb_sandbox_handle_logs",
    [name, JSON.stringify({ sources: ["system"], since_ms: sinceMs })],
    SystemLogJson,
    {
      operation: "Sandbox.make",
      sandbox: name
    }
  ).pipe(
    Effect.map((entries) =>
      entries.flatMap((e) => Buffer.from(e.data_b64, "base64").toString("utf8").split("\n")).filter((l) =>
        l.length > 0
      )
    ),
    Effect.orElseSucceed(() => [])
  )

/**
 * A boot that failed for host reasons comes back as `internal`; with the sandbox's
 * system log it becomes `BootFailed` (carrying the log lines).
 */
const bootFailure = <A>(
  native: NativeLibrary,
  name: string,
  boot: Effect.Effect<A, MicrosandboxError>
): Effect.Effect<A, MicrosandboxError> =>
  Effect.suspend(() => {
    // Only what this boot logged: a one-second margin for clock granularity.
    const since = Date.now() - 1000
    return Effect.catchAll(boot, (e): Effect.Effect<never, MicrosandboxError> =>
      e._tag !== "Internal"
        ? Effect.fail(e)
        : Effect.flatMap(
          systemLog(native, name, since),
          (lines) => Effect.fail(classifyBootFailure(e, lines) ?? e)
        ))
  })

// A name clash comes back from the runtime as `internal` (docs/runtime-abi.md §8, item 1).
const refineCreateError = (name: string) => (e: MicrosandboxError): MicrosandboxError =>
  e._tag === "Internal" && e.message.startsWith("sandbox already exists")
    ? new Errors.SandboxAlreadyExists({ message: e.message, operation: e.operation, sandbox: name })
    : e

// ------------------------------------------------------------------ the live sandbox

const call = <A, I>(
  core: SandboxCore,
  operation: string,
  name: Parameters<NativeLibrary["call"]>[0],
  args: (handle: bigint) => ReadonlyArray<bigint | number | string | boolean | null>,
  schema: Schema.Schema<A, I>
) =>
  core.native.operation(
    operation,
    { "msb.sandbox": core.name },
    withHandle(
      core,
      operation,
      (h) => core.native.callDecode(name, args(h), schema, { operation, sandbox: core.name, span: false })
    ).pipe(narrow.control.effect)
  )

const isReleasePolicy = Schema.is(SandboxConfig.ReleasePolicy)

const releasePolicy = (core: SandboxCore, exit: Exit.Exit<unknown, unknown>): SandboxConfig.ReleasePolicy => {
  const configured: unknown = core.config.release
  // Configurations are decoded before a sandbox exists; should one still carry an
  // unknown policy, the sandbox is stopped rather than left running.
  const policy = isReleasePolicy(configured) ? configured : core.owns ? "stop" : "detach"
  // A defect anywhere in the exit's Cause (inside a parallel or sequential composition,
  // next to a failure or an interruption) is no time for a graceful shutdown.
  if (policy === "stop" && Exit.isFailure(exit) && Cause.isDie(exit.cause)) {
    return "kill"
  }
  return policy
}

const logged = <E>(what: string, core: SandboxCore) => (self: Effect.Effect<unknown, E>) =>
  self.pipe(
    Effect.asVoid,
    Effect.catchAllCause((cause) =>
      Effect.logWarning(`${what} of sandbox ${core.name} failed`, cause).pipe(
        Effect.annotateLogs({ sandbox: core.name })
      )
    )
  )

/** Stops (or kills, or detaches) per policy and closes the handle. Never fails. */
export const release = (core: SandboxCore, exit: Exit.Exit<unknown, unknown>): Effect.Effect<void> =>
  Effect.suspend(() => {
    if (core.state !== "open") return Effect.void
    const h = core.handle
    const n = core.native
    const ctx = { operation: "Sandbox.release", sandbox: core.name }
    const policy = releasePolicy(core, exit)
    const close = Effect.suspend(() => {
      core.state = "closed"
      return n.call("msb_sandbox_close", [h], ctx).pipe(logged("closing the handle", core))
    })
    const kill = n.call("msb_sandbox_kill", [h, 5000n], ctx)
    switch (policy) {
      case "detach": {
        core.state = "detached"
        return (core.owns ? n.call("msb_sandbox_detach", [h], ctx) : n.call("msb_sandbox_close", [h], ctx))
          .pipe(
            logged("detaching", core)
          )
      }
      case "kill":
        return kill.pipe(logged("killing", core), Effect.zipRight(close))
      case "stop": {
        const timeout = millis(core.config.releaseTimeout, 10_000)
        return n.call("msb_sandbox_stop", [h, timeout], ctx).pipe(
          Effect.catchAllCause((cause) =>
            Effect.logWarning(`stopping sandbox ${core.name} failed; killing it`, cause).pipe(
              Effect.zipRight(kill),
              logged("killing", core)
            )
          ),
          Effect.zipRight(close)
        )
      }
    }
  }).pipe(
    Effect.uninterruptible,
    Effect.withSpan("Sandbox.release", { attributes: { "msb.sandbox": core.name } })
  )

/**
 * Each sandbox's release is an ordinary finalizer of its Scope: a sequential Scope
 * releases its sandboxes and other resources last-in-first-out. Parallel release is the
 * Scope's own strategy (see `Sandbox.parallelRelease`).
 */
export const register = (scope: Scope.Scope, core: SandboxCore): Effect.Effect<void> =>
  Scope.addFinalizerExit(scope, (exit) => release(core, exit))

/** Runs `self` in a child of the current Scope whose finalizers run concurrently (at most `concurrency`). */
export const parallelRelease = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  concurrency: number | "unbounded"
): Effect.Effect<A, E, R | Scope.Scope> =>
  Effect.flatMap(Scope.Scope, (scope) =>
    Effect.flatMap(
      Scope.fork(
        scope,
        concurrency === "unbounded" ? ExecutionStrategy.parallel : ExecutionStrategy.parallelN(concurrency)
      ),
      (child) => Scope.extend(self, child)
    ))

class SandboxImpl implements Sandbox {
  readonly [TypeId]: TypeId = TypeId
  readonly fs: Sandbox["fs"]
  readonly ssh: Sandbox["ssh"]
  private shellPath: string | undefined
  constructor(readonly core: SandboxCore) {
    this.fs = FsImpl.make(core)
    this.ssh = SshImpl.make(core)
    this.shellPath = core.config.shell
  }
  /** The configured shell: from the create options, else the persisted config, else /bin/sh. */
  private get shellCommand(): Effect.Effect<string, ExecError> {
    if (this.shellPath !== undefined) return Effect.succeed(this.shellPath)
    return lookup(this.core.service, this.core.name, "Sandbox.shell").pipe(
      Effect.map((h) =>
        Either.match(h.config, { onLeft: () => "/bin/sh", onRight: (c) => c.shell ?? "/bin/sh" })
      ),
      Effect.tap((shell) => Effect.sync(() => (this.shellPath = shell))),
      narrow.exec.effect
    )
  }
  // Every command, argument and option is checked before a session is opened (a bad
  // value is InvalidArgument naming it); only then are they read.
  private checked(operation: string, command: unknown, args: unknown, options: unknown, attach = false) {
    return checkExec({ operation, sandbox: this.core.name }, command, args, options, { attach })
  }
  private defaultArgs(options: unknown): unknown {
    return typeof options === "object" && options !== null && "args" in options ? options.args ?? [] : []
  }
  private script(operation: string, script: unknown) {
    return checkString({ operation, sandbox: this.core.name }, "script", script)
  }
  exec<E = never>(command: string, args: ReadonlyArray<string> = [], options: Exec.ExecOptions<E> = {}) {
    return this.checked("Sandbox.exec", command, args, options).pipe(
      Effect.zipRight(
        Effect.suspend(() => ExecImpl.collect(this.core, "Sandbox.exec", { command, args }, options))
      )
    )
  }
  execDefault<E = never>(options: Exec.ExecOptions<E> & { readonly args?: ReadonlyArray<string> } = {}) {
    const args = this.defaultArgs(options) as ReadonlyArray<string>
    return this.checked("Sandbox.execDefault", undefined, args, options).pipe(
      Effect.zipRight(
        Effect.suspend(() => ExecImpl.collect(this.core, "Sandbox.execDefault", { args }, options))
      )
    )
  }
  shell<E = never>(script: string, options: Exec.ExecOptions<E> = {}) {
    return this.script("Sandbox.shell", script).pipe(
      Effect.zipRight(this.checked("Sandbox.shell", undefined, [], options)),
      Effect.zipRight(this.shellCommand),
      Effect.flatMap((shell) =>
        ExecImpl.collect(this.core, "Sandbox.shell", { command: shell, args: ["-c", script] }, options)
      )
    )
  }
  execStream<E = never>(
    command: string,
    args: ReadonlyArray<string> = [],
    options: Exec.ExecOptions<E> = {}
  ) {
    return Stream.unwrap(
      Effect.map(
        this.checked("Sandbox.execStream", command, args, options),
        () => ExecImpl.stream(this.core, "Sandbox.execStream", { command, args }, options)
      )
    )
  }
  execDefaultStream<E = never>(
    options: Exec.ExecOptions<E> & { readonly args?: ReadonlyArray<string> } = {}
  ) {
    const args = this.defaultArgs(options) as ReadonlyArray<string>
    return Stream.unwrap(
      Effect.map(
        this.checked("Sandbox.execDefaultStream", undefined, args, options),
        () => ExecImpl.stream(this.core, "Sandbox.execDefaultStream", { args }, options)
      )
    )
  }
  shellStream<E = never>(script: string, options: Exec.ExecOptions<E> = {}) {
    return Stream.unwrap(
      this.script("Sandbox.shellStream", script).pipe(
        Effect.zipRight(this.checked("Sandbox.shellStream", undefined, [], options)),
        Effect.zipRight(this.shellCommand),
        Effect.map((shell) =>
          ExecImpl.stream(this.core, "Sandbox.shellStream", { command: shell, args: ["-c", script] }, options)
        )
      )
    )
  }
  spawn(
    command: string,
    args: ReadonlyArray<string> = [],
    options: Exec.ExecOptions<never> & { readonly stdinPipe?: boolean } = {}
  ) {
    return this.checked("Sandbox.spawn", command, args, options).pipe(
      Effect.zipRight(
        Effect.suspend(() => ExecImpl.spawn(this.core, "Sandbox.spawn", { command, args }, options))
      )
    )
  }
  attach(command: string, args: ReadonlyArray<string> = [], options: Exec.AttachOptions = {}) {
    return this.checked("Sandbox.attach", command, args, options, true).pipe(
      Effect.zipRight(
        Effect.suspend(() => ExecImpl.attach(this.core, "Sandbox.attach", { command, args }, options))
      )
    )
  }
  attachDefault(options: Exec.AttachOptions & { readonly args?: ReadonlyArray<string> } = {}) {
    const args = this.defaultArgs(options) as ReadonlyArray<string>
    return this.checked("Sandbox.attachDefault", undefined, args, options, true).pipe(
      Effect.zipRight(
        Effect.suspend(() => ExecImpl.attach(this.core, "Sandbox.attachDefault", { args }, options))
      )
    )
  }
  get attachShell() {
    return ExecImpl.attach(this.core, "Sandbox.attachShell", "shell", {})
  }
  private get logTarget(): LogsImpl.LogTarget {
    const core = this.core
    return {
      kind: "handle",
      name: core.name,
      handle: withHandle(core, "Sandbox.logs", (h) => Effect.succeed(h))
    }
  }
  logs(options: LogOptions = {}) {
    return checkLogOptions({ operation: "Sandbox.logs", sandbox: this.core.name }, options).pipe(
      Effect.zipRight(
        Effect.suspend(() => LogsImpl.read(this.core.native, this.logTarget, options, "Sandbox.logs"))
      ),
      narrow.logs.effect
    )
  }
  logStream(options: LogStreamOptions = {}) {
    return Stream.unwrap(
      Effect.map(
        checkLogOptions({ operation: "Sandbox.logStream", sandbox: this.core.name }, options),
        () => LogsImpl.stream(this.core.native, this.logTarget, options, "Sandbox.logStream")
      )
    ).pipe(narrow.logs.stream)
  }
  get metrics() {
    return MetricsImpl.sample(this.core).pipe(narrow.metrics.effect)
  }
  metricsStream(interval: Duration.DurationInput) {
    return Stream.unwrap(
      Effect.map(
        checkInterval({ operation: "Sandbox.metricsStream", sandbox: this.core.name }, interval),
        () => MetricsImpl.stream(this.core, interval)
      )
    ).pipe(narrow.metrics.stream)
  }
  get name() {
    return this.core.name
  }
  get config() {
    return this.core.config
  }
  pipe() {
    // eslint-disable-next-line prefer-rest-params
    return pipeArguments(this, arguments)
  }
  toJSON() {
    return { _id: "Sandbox", name: this.core.name, state: this.core.state }
  }
  get ownsLifecycle(): Effect.Effect<boolean, ControlError> {
    return call(this.core, "Sandbox.ownsLifecycle", "msb_sandbox_owns_lifecycle", (h) => [h], OwnsJson).pipe(
      Effect.map((r) => r.owns)
    )
  }
  get ownsLifecycleOrFalse(): Effect.Effect<boolean> {
    return Effect.orElseSucceed(this.ownsLifecycle, () => false)
  }
  stop(options: StopOptions = {}) {
    return timeoutMillis({ operation: "Sandbox.stop", sandbox: this.core.name }, options, 10_000).pipe(
      Effect.flatMap((timeout) =>
        call(this.core, "Sandbox.stop", "msb_sandbox_stop", (h) => [h, timeout], OkJson)
      ),
      Effect.asVoid
    )
  }
  get requestStop() {
    return call(this.core, "Sandbox.requestStop", "msb_sandbox_request_stop", (h) => [h], OkJson).pipe(
      Effect.asVoid
    )
  }
  kill(options: KillOptions = {}) {
    return timeoutMillis({ operation: "Sandbox.kill", sandbox: this.core.name }, options, 5_000).pipe(
      Effect.flatMap((timeout) =>
        call(this.core, "Sandbox.kill", "msb_sandbox_kill", (h) => [h, timeout], OkJson)
      ),
      Effect.asVoid
    )
  }
  get requestKill() {
    return call(this.core, "Sandbox.requestKill", "msb_sandbox_request_kill", (h) => [h], OkJson).pipe(
      Effect.asVoid
    )
  }
  get requestDrain() {
    return call(this.core, "Sandbox.requestDrain", "msb_sandbox_request_drain", (h) => [h], OkJson).pipe(
      Effect.asVoid
    )
  }
  get waitUntilStopped() {
    return call(this.core, "Sandbox.waitUntilStopped", "msb_sandbox_wait_until_stopped", (h) => [h], StopJson)
      .pipe(
        Effect.map(toStopResult)
      )
  }
  get ping() {
    return call(this.core, "Sandbox.ping", "msb_sandbox_ping", (h) => [h], PingJson).pipe(
      Effect.map((r) =>
        new PingResult({ name: r.name, latency: Duration.micros(BigInt(Math.round(r.latency_ms * 1000))) })
      )
    )
  }
  get touch() {
    return call(this.core, "Sandbox.touch", "msb_sandbox_touch", (h) => [h], TouchJson).pipe(
      Effect.map((r) => new TouchResult({ name: r.name, activitySeq: r.activity_seq }))
    )
  }
  get detach() {
    const core = this.core
    return withHandle(core, "Sandbox.detach", (h) => {
      // The handle is consumed even when detach fails (docs/runtime-abi.md §3.3).
      core.state = "detached"
      return core.native.call("msb_sandbox_detach", [h], { operation: "Sandbox.detach", sandbox: core.name })
    }).pipe(Effect.asVoid, Effect.uninterruptible, narrow.control.effect, Effect.withSpan("Sandbox.detach"))
  }
  get close() {
    const core = this.core
    return withHandle(core, "Sandbox.close", (h) => {
      core.state = "closed"
      return core.native.call("msb_sandbox_close", [h], { operation: "Sandbox.close", sandbox: core.name })
    }).pipe(Effect.asVoid, Effect.uninterruptible, narrow.control.effect, Effect.withSpan("Sandbox.close"))
  }
  get info(): Effect.Effect<SandboxHandle, ControlError> {
    return lookup(this.core.service, this.core.name, "Sandbox.info")
  }
  modify(patch: Modification.Patch, options?: Modification.ModifyOptions) {
    return ModifyImpl.modifyLive(this.core, patch, options)
  }
}

export const isSandbox = (u: unknown): u is Sandbox => typeof u === "object" && u !== null && TypeId in u

/** Builds the live sandbox for a fresh handle and registers its release in the current Scope. */
const adopt = (
  service: MicrosandboxService,
  name: string,
  handle: bigint,
  config: SandboxConfig.SandboxConfig
): Effect.Effect<Sandbox, MicrosandboxError, Scope.Scope> =>
  Effect.gen(function*() {
    const native = service.native
    const owns = yield* native.callDecode("msb_sandbox_owns_lifecycle", [handle], OwnsJson).pipe(
      Effect.map((r) => r.owns),
      Effect.orElseSucceed(() => !config.detached)
    )
    const core: SandboxCore = { service, native, name, config, owns, state: "open", handle }
    yield* register(yield* Scope.Scope, core)
    return new SandboxImpl(core)
  })

/** Releases a handle produced by a call whose caller was interrupted: kill, then close. */
const releaseOrphan = (native: NativeLibrary, name: string) => (result: typeof HandleJson.Type) =>
  Effect.gen(function*() {
    const h = BigInt(result.handle)
    const ctx = { operation: "Sandbox.release", sandbox: name }
    yield* native.call("msb_sandbox_kill", [h, 5000n], ctx).pipe(Effect.ignore)
    yield* native.call("msb_sandbox_close", [h], ctx)
  })

/**
 * Acquires a handle with an interruptible native call and registers the sandbox's
 * release in the same uninterruptible region, so there is no instant at which a
 * running sandbox has no owner.
 */
const acquire = (
  operation: string,
  name: string,
  config: SandboxConfig.SandboxConfig,
  callNative: (
    native: NativeLibrary,
    onOrphan: (result: typeof HandleJson.Type) => Effect.Effect<void, unknown>
  ) => Effect.Effect<
    typeof HandleJson.Type,
    MicrosandboxError
  >
): Effect.Effect<Sandbox, MicrosandboxError, Microsandbox | Scope.Scope> =>
  Effect.gen(function*() {
    const service = yield* Microsandbox
    const native = service.native
    return yield* Effect.uninterruptibleMask((restore) =>
      restore(callNative(native, releaseOrphan(native, name))).pipe(
        Effect.flatMap((r) => adopt(service, name, BigInt(r.handle), config))
      )
    )
  }).pipe(Effect.withSpan(operation, { attributes: { "msb.sandbox": name } }))

/**
 * The create document as the runtime reads it: the one place where secrets
 * (`Redacted` in the public encoding) are revealed.
 */
export const createDocument = (config: SandboxConfig.SandboxConfig): string =>
  JSON.stringify(
    SandboxConfig.encode(config),
    // `toJSON` has already turned a Redacted into "<redacted>": read the holder instead.
    function(this: Record<string, unknown>, key: string, value: unknown) {
      const raw = this[key]
      return Redacted.isRedacted(raw) ? Redacted.value(raw) : value
    }
  )

/**
 * Decodes the name and the configuration (whatever the caller passed: JavaScript
 * callers and JSON escape the types), then creates. Nothing is called and nothing is
 * acquired for a value that does not decode.
 */
export const create = (
  name: string,
  config: SandboxConfig.SandboxConfig,
  operation = "Sandbox.make"
): Effect.Effect<Sandbox, LifecycleError, Microsandbox | Scope.Scope> =>
  Effect.suspend(() =>
    Effect.flatMap(
      SandboxConfig.validate(name, config, operation),
      (valid) =>
        acquire(operation, name, valid, (native, onOrphan) =>
          native.callDecode(
            "msb_sandbox_create",
            [name, createDocument(valid)],
            HandleJson,
            {
              operation,
              sandbox: name,
              onOrphan
            }
          ).pipe(Effect.mapError(refineCreateError(name)), (boot) => bootFailure(native, name, boot)))
    ).pipe(narrow.lifecycle.effect)
  )

const checkName = (name: string, operation: string) =>
  Effect.suspend(() => {
    const problem = SandboxConfig.checkName(name)
    return problem
      ? Effect.fail(
        new Errors.InvalidConfig({
          message: `invalid config: name: ${problem}`,
          operation,
          ...(typeof name === "string" ? { sandbox: name } : {}),
          field: "name"
        })
      )
      : Effect.void
  })

export const start = (
  name: string,
  detached: boolean
): Effect.Effect<Sandbox, LifecycleError, Microsandbox | Scope.Scope> => {
  const operation = detached ? "Sandbox.startDetached" : "Sandbox.start"
  return checkName(name, operation).pipe(
    Effect.zipRight(
      acquire(
        operation,
        name,
        detached ? { detached: true } : {},
        (native, onOrphan) =>
          native.callDecode("msb_sandbox_start", [name, detached], HandleJson, {
            operation,
            sandbox: name,
            onOrphan
          }).pipe((boot) => bootFailure(native, name, boot))
      )
    ),
    narrow.lifecycle.effect
  )
}

export const connect = (
  name: string
): Effect.Effect<Sandbox, LifecycleError, Microsandbox | Scope.Scope> =>
  checkName(name, "SandboxHandle.connect").pipe(
    Effect.zipRight(
      acquire(
        "SandboxHandle.connect",
        name,
        {},
        (native) =>
          native.callDecode("msb_sandbox_connect", [name], HandleJson, {
            operation: "SandboxHandle.connect",
            sandbox: name,
            // A connect that completed after its caller left: just disconnect.
            onOrphan: (r) => native.call("msb_sandbox_close", [BigInt(r.handle)])
          })
      )
    ),
    narrow.lifecycle.effect
  )

// ------------------------------------------------------------------ handles (metadata)

class HandleImpl implements SandboxHandle {
  readonly [HandleTypeId]: HandleTypeId = HandleTypeId
  constructor(readonly service: MicrosandboxService, readonly info: InfoJson) {}
  private get native() {
    return this.service.native
  }
  get name() {
    return this.info.name
  }
  get status() {
    return this.info.status as SandboxStatus
  }
  get configJson() {
    return this.info.config_json
  }
  get config() {
    return SandboxConfig.fromPersisted(this.info.config_json).pipe(
      Either.mapLeft((message) =>
        new Errors.Internal({
          message: `cannot parse the persisted config: ${message}`,
          operation: "SandboxHandle.config",
          sandbox: this.name
        })
      )
    )
  }
  get createdAt() {
    return Option.map(Option.fromNullable(this.info.created_at_unix), (s) => new Date(s * 1000))
  }
  get updatedAt() {
    return Option.map(Option.fromNullable(this.info.updated_at_unix), (s) => new Date(s * 1000))
  }
  get backendKind() {
    return this.info.backend_kind
  }
  pipe() {
    // eslint-disable-next-line prefer-rest-params
    return pipeArguments(this, arguments)
  }
  toJSON() {
    return { _id: "SandboxHandle", name: this.name, status: this.status }
  }
  private byName<A, I>(
    operation: string,
    fn: Parameters<NativeLibrary["call"]>[0],
    args: ReadonlyArray<bigint | string>,
    schema: Schema.Schema<A, I>
  ) {
    return this.native.callDecode(fn, [this.name, ...args], schema, { operation, sandbox: this.name }).pipe(
      Effect.withSpan(operation, { attributes: { "msb.sandbox": this.name } })
    )
  }
  private control<A, I>(
    operation: string,
    fn: Parameters<NativeLibrary["call"]>[0],
    args: ReadonlyArray<bigint | string>,
    schema: Schema.Schema<A, I>
  ) {
    return this.byName(operation, fn, args, schema).pipe(narrow.control.effect)
  }
  get refresh() {
    return lookup(this.service, this.name, "SandboxHandle.refresh")
  }
  get connect() {
    return connect(this.name).pipe(Effect.provideService(Microsandbox, this.service))
  }
  get start() {
    return start(this.name, false).pipe(Effect.provideService(Microsandbox, this.service))
  }
  get startDetached() {
    return start(this.name, true).pipe(Effect.provideService(Microsandbox, this.service))
  }
  stop(options: StopOptions = {}) {
    return timeoutMillis({ operation: "SandboxHandle.stop", sandbox: this.name }, options, 10_000).pipe(
      Effect.flatMap((timeout) =>
        this.control("SandboxHandle.stop", "msb_sandbox_handle_stop", [timeout], OkJson)
      ),
      Effect.asVoid
    )
  }
  kill(options: KillOptions = {}) {
    return timeoutMillis({ operation: "SandboxHandle.kill", sandbox: this.name }, options, 5_000).pipe(
      Effect.flatMap((timeout) =>
        this.control("SandboxHandle.kill", "msb_sandbox_handle_kill", [timeout], OkJson)
      ),
      Effect.asVoid
    )
  }
  get requestStop() {
    return this.control("SandboxHandle.requestStop", "msb_sandbox_handle_request_stop", [], OkJson).pipe(
      Effect.asVoid
    )
  }
  get requestKill() {
    return this.control("SandboxHandle.requestKill", "msb_sandbox_handle_request_kill", [], OkJson).pipe(
      Effect.asVoid
    )
  }
  get requestDrain() {
    return this.control("SandboxHandle.requestDrain", "msb_sandbox_handle_request_drain", [], OkJson).pipe(
      Effect.asVoid
    )
  }
  get waitUntilStopped() {
    return this.control(
      "SandboxHandle.waitUntilStopped",
      "msb_sandbox_handle_wait_until_stopped",
      [],
      StopJson
    ).pipe(
      Effect.map(toStopResult)
    )
  }
  get remove() {
    return remove(this.service, this.name)
  }
  get ping() {
    return this.control("SandboxHandle.ping", "msb_sandbox_handle_ping", [], PingJson).pipe(
      Effect.map((r) =>
        new PingResult({ name: r.name, latency: Duration.micros(BigInt(Math.round(r.latency_ms * 1000))) })
      )
    )
  }
  get touch() {
    return this.control("SandboxHandle.touch", "msb_sandbox_handle_touch", [], TouchJson).pipe(
      Effect.map((r) => new TouchResult({ name: r.name, activitySeq: r.activity_seq }))
    )
  }
  logs(options: LogOptions = {}) {
    return checkLogOptions({ operation: "SandboxHandle.logs", sandbox: this.name }, options).pipe(
      Effect.zipRight(
        Effect.suspend(() =>
          LogsImpl.read(this.native, { kind: "name", name: this.name }, options, "SandboxHandle.logs")
        )
      ),
      narrow.logs.effect
    )
  }
  logStream(options: LogStreamOptions = {}) {
    return Stream.unwrap(
      Effect.map(
        checkLogOptions({ operation: "SandboxHandle.logStream", sandbox: this.name }, options),
        () =>
          LogsImpl.stream(this.native, { kind: "name", name: this.name }, options, "SandboxHandle.logStream")
      )
    ).pipe(narrow.logs.stream)
  }
  get metrics() {
    return this.byName(
      "SandboxHandle.metrics",
      "msb_sandbox_handle_metrics",
      [],
      MetricsModule.MetricsLiteJson
    ).pipe(
      Effect.map(MetricsModule.liteFromJson),
      narrow.metrics.effect
    )
  }
  modify(patch: Modification.Patch, options?: Modification.ModifyOptions) {
    return ModifyImpl.modifyByName(this.native, this.name, patch, options)
  }
  snapshot(name: string) {
    return SnapshotImpl.ofSandbox(this.service, this.name, name)
  }
  snapshotTo(path: string) {
    return SnapshotImpl.ofSandboxTo(this.service, this.name, path)
  }
}

const nameContext = (operation: string, name: unknown) => ({
  operation,
  sandbox: typeof name === "string" ? name : undefined
})

// The name is checked when the Effect is built (the same answer every time it runs).
const lookupChecked = (svc: MicrosandboxService, name: string, operation: string) => {
  const refused = sandboxNameRefusal(nameContext(operation, name), name)
  return refused !== undefined
    ? Effect.fail(refused)
    : svc.native.callDecode("msb_sandbox_lookup", [name], InfoJson, { operation, sandbox: name, span: false })
}

export const lookup = (svc: MicrosandboxService, name: string, operation = "Sandbox.get") =>
  svc.native.operation(
    operation,
    { "msb.sandbox": name },
    lookupChecked(svc, name, operation).pipe(
      Effect.map((info): SandboxHandle => new HandleImpl(svc, info)),
      narrow.control.effect
    )
  )

export const remove = (svc: MicrosandboxService, name: string) =>
  checkSandboxName(nameContext("Sandbox.remove", name), name).pipe(
    Effect.zipRight(
      svc.native.callDecode("msb_sandbox_remove", [name], OkJson, {
        operation: "Sandbox.remove",
        sandbox: name
      })
    ),
    Effect.asVoid,
    narrow.control.effect,
    Effect.withSpan("Sandbox.remove", { attributes: { "msb.sandbox": name } })
  )

export interface ListPage {
  readonly sandboxes: ReadonlyArray<SandboxHandle>
  readonly nextCursor: Option.Option<string>
}

export interface ListFilter {
  readonly labels: Readonly<Record<string, string>>
  readonly limit: Option.Option<number>
  readonly cursor: Option.Option<string>
}

export const listPage = (
  svc: MicrosandboxService,
  filter: ListFilter
): Effect.Effect<ListPage, ControlError> =>
  Effect.suspend(() => {
    const ctx = { operation: "Sandbox.list" }
    if (typeof filter !== "object" || filter === null) {
      return Effect.fail(
        invalidArgument(ctx, "filter", `filter must be a SandboxFilter, got ${show(filter)}`)
      )
    }
    const { cursor, labels, limit } = filter
    if (!Option.isOption(limit)) {
      return Effect.fail(invalidArgument(ctx, "limit", `limit must be an Option, got ${show(limit)}`))
    }
    // The runtime's bound (and message), checked before the call.
    if (
      Option.isSome(limit) &&
      !(Number.isInteger(limit.value) && limit.value >= 1 && limit.value <= MAX_PAGE_SIZE)
    ) {
      return Effect.fail(
        new Errors.InvalidConfig({
          message: `sandbox list limit must be between 1 and ${MAX_PAGE_SIZE} (got ${show(limit.value)})`,
          operation: "Sandbox.list",
          field: "limit"
        })
      )
    }
    if (!Option.isOption(cursor)) {
      return Effect.fail(invalidArgument(ctx, "cursor", "cursor must be an Option"))
    }
    return checkStringRecord(ctx, "labels", labels).pipe(
      Effect.zipRight(Option.isSome(cursor) ? checkString(ctx, "cursor", cursor.value) : Effect.void),
      Effect.zipRight(Effect.suspend(() => listPageChecked(svc, filter)))
    )
  })

const listPageChecked = (
  svc: MicrosandboxService,
  filter: ListFilter
): Effect.Effect<ListPage, ControlError> => {
  const doc: Record<string, unknown> = {}
  if (Object.keys(filter.labels).length > 0) doc.labels = filter.labels
  if (Option.isSome(filter.limit)) doc.limit = filter.limit.value
  if (Option.isSome(filter.cursor)) doc.cursor = filter.cursor.value
  return svc.native.callDecode("msb_sandbox_list", [JSON.stringify(doc)], ListJson, {
    operation: "Sandbox.list"
  }).pipe(
    Effect.map((r) => ({
      sandboxes: r.sandboxes.map((info) => new HandleImpl(svc, info)),
      nextCursor: Option.fromNullable(r.next_cursor)
    })),
    narrow.control.effect
  )
}

/** The largest page the runtime returns. */
export const MAX_PAGE_SIZE = 100
/** The default page size of a walk over every page. */
export const DEFAULT_PAGE_SIZE = MAX_PAGE_SIZE

/**
 * Every sandbox matching the labels, page by page (one native call per page, pulled on
 * demand), starting after `cursor` when set.
 */
export const listStream = (
  svc: MicrosandboxService,
  filter: ListFilter,
  pageSize: number
): Stream.Stream<SandboxHandle, ControlError> =>
  Stream.paginateChunkEffect(
    filter.cursor,
    (cursor) =>
      Effect.map(
        listPage(svc, { labels: filter.labels, limit: Option.some(pageSize), cursor }),
        (page) => [Chunk.fromIterable(page.sandboxes), Option.map(page.nextCursor, Option.some)] as const
      )
  )

/** Every sandbox matching the labels, every page (`limit` is the page size). */
export const listAll = (
  svc: MicrosandboxService,
  filter: ListFilter
): Effect.Effect<ReadonlyArray<SandboxHandle>, ControlError> =>
  Effect.suspend(() =>
    // a value outside the types (from JavaScript): the same typed refusal as listPage's
    typeof filter !== "object" || filter === null || !Option.isOption(filter.limit)
      ? Effect.map(listPage(svc, filter), (p) => p.sandboxes)
      : allPages(svc, filter, Option.getOrElse(filter.limit, () => DEFAULT_PAGE_SIZE))
  ).pipe(Effect.withSpan("Sandbox.list", { captureStackTrace: false }))

/** The pages of `listStream`, read one after another into one array (no Stream machinery per call). */
const allPages = (
  svc: MicrosandboxService,
  filter: ListFilter,
  pageSize: number
): Effect.Effect<ReadonlyArray<SandboxHandle>, ControlError> =>
  Effect.suspend(() => {
    const all: Array<SandboxHandle> = []
    const from = (cursor: Option.Option<string>): Effect.Effect<ReadonlyArray<SandboxHandle>, ControlError> =>
      Effect.flatMap(
        listPage(svc, { labels: filter.labels, limit: Option.some(pageSize), cursor }),
        (page) => {
          for (const sandbox of page.sandboxes) all.push(sandbox)
          return Option.isSome(page.nextCursor) ? from(page.nextCursor) : Effect.succeed(all)
        }
      )
    return from(filter.cursor)
  })

export const allMetrics = (svc: MicrosandboxService) =>
  svc.native.callDecode("msb_all_sandbox_metrics", [], AllMetricsJson, { operation: "Sandbox.allMetrics" })
    .pipe(
      Effect.map((r) =>
        new Map(
          Object.entries(r.sandboxes).map(([name, m]) => [name, MetricsModule.fromJson(m)])
        ) as ReadonlyMap<
          string,
          import("../Metrics.js").Metrics
        >
      ),
      narrow.metrics.effect,
      Effect.withSpan("Sandbox.allMetrics")
    )
