/**
 * The sandbox handle: a sandbox's record by name (looked up or listed), and the
 * operations by name.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { pipeArguments } from "effect/Pipeable"
import type * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { LogOptions, LogStreamOptions } from "../../Logs.js"
import type { MicrosandboxService } from "../../Microsandbox.js"
import type * as Modification from "../../Modification.js"
import type { SandboxHandle } from "../../SandboxHandle.js"
import * as Errors from "../errorModel.js"
import { narrow } from "../errors.js"
import type { NativeLibrary } from "../ffi/native.js"
import { checkLogOptions } from "../inputs.js"
import * as LogsImpl from "../logs.js"
import * as MetricsModule from "../metricsCodec.js"
import * as ModifyImpl from "../modify.js"
import { Microsandbox } from "../service.js"
import * as SnapshotImpl from "../snapshot.js"
import { checkSandboxName, sandboxNameRefusal } from "../validate.js"
import { fromPersisted } from "../wire/persistedConfig.js"
import * as Acquire from "./acquire.js"
import { HandleTypeId, type KillOptions, type SandboxStatus, type StopOptions } from "./model.js"
import { timeoutMillis } from "./timeout.js"
import { InfoJson, OkJson, PingJson, StopJson, TouchJson } from "./wire.js"

export class HandleImpl implements SandboxHandle {
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
    return this.info.configJson
  }
  get config() {
    return fromPersisted(this.info.configJson).pipe(
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
    return this.info.createdAt
  }
  get updatedAt() {
    return this.info.updatedAt
  }
  get backendKind() {
    return this.info.backendKind
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
    return Acquire.connect(this.name, lookup).pipe(Effect.provideService(Microsandbox, this.service))
  }
  get start() {
    return Acquire.start(this.name, false, lookup).pipe(Effect.provideService(Microsandbox, this.service))
  }
  get startDetached() {
    return Acquire.start(this.name, true, lookup).pipe(Effect.provideService(Microsandbox, this.service))
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
    )
  }
  get remove() {
    return remove(this.service, this.name)
  }
  get ping() {
    return this.control("SandboxHandle.ping", "msb_sandbox_handle_ping", [], PingJson)
  }
  get touch() {
    return this.control("SandboxHandle.touch", "msb_sandbox_handle_touch", [], TouchJson)
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
