/**
 * The live sandbox: the object `Sandbox.make`, `start` and `connect` return, over an
 * open handle.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { pipeArguments } from "effect/Pipeable"
import type * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type * as Exec from "../../Exec.js"
import type { LogOptions, LogStreamOptions } from "../../Logs.js"
import type * as Modification from "../../Modification.js"
import type { Sandbox } from "../../Sandbox.js"
import type { SandboxHandle } from "../../SandboxHandle.js"
import type { ControlError, ExecError } from "../errorModel.js"
import { narrow } from "../errors.js"
import * as ExecImpl from "../exec.js"
import type { NativeLibrary } from "../ffi/native.js"
import * as FsImpl from "../fs.js"
import { checkExec, checkInterval, checkLogOptions } from "../inputs.js"
import * as LogsImpl from "../logs.js"
import * as MetricsImpl from "../metrics.js"
import * as ModifyImpl from "../modify.js"
import { type SandboxCore, withHandle } from "../sandboxCore.js"
import * as SshImpl from "../ssh.js"
import { checkString } from "../validate.js"
import { type KillOptions, type StopOptions, TypeId } from "./model.js"
import { timeoutMillis } from "./timeout.js"
import { OkJson, OwnsJson, PingJson, StopJson, TouchJson } from "./wire.js"

/** Reads a sandbox's record by name (the live sandbox's `info`, and its shell from the persisted config). */
export type Lookup = (
  svc: SandboxCore["service"],
  name: string,
  operation: string
) => Effect.Effect<SandboxHandle, ControlError>

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

export class SandboxImpl implements Sandbox {
  readonly [TypeId]: TypeId = TypeId
  readonly fs: Sandbox["fs"]
  readonly ssh: Sandbox["ssh"]
  private shellPath: string | undefined
  constructor(readonly core: SandboxCore, private readonly lookup: Lookup) {
    this.fs = FsImpl.make(core)
    this.ssh = SshImpl.make(core)
    this.shellPath = core.config.shell
  }
  /** The configured shell: from the create options, else the persisted config, else /bin/sh. */
  private get shellCommand(): Effect.Effect<string, ExecError> {
    if (this.shellPath !== undefined) return Effect.succeed(this.shellPath)
    return this.lookup(this.core.service, this.core.name, "Sandbox.shell").pipe(
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
  }
  get ping() {
    return call(this.core, "Sandbox.ping", "msb_sandbox_ping", (h) => [h], PingJson)
  }
  get touch() {
    return call(this.core, "Sandbox.touch", "msb_sandbox_touch", (h) => [h], TouchJson)
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
    return this.lookup(this.core.service, this.core.name, "Sandbox.info")
  }
  modify(patch: Modification.Patch, options?: Modification.ModifyOptions) {
    return ModifyImpl.modifyLive(this.core, patch, options)
  }
}
