/**
 * Acquisition: create, start and connect, each producing a live sandbox whose
 * release is registered in the caller's Scope.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import type { MicrosandboxService } from "../../Microsandbox.js"
import type { Sandbox } from "../../Sandbox.js"
import type * as SandboxConfig from "../../SandboxConfig.js"
import { createDocument } from "../config/encode.js"
import { checkName as checkConfigName, validate } from "../config/validate.js"
import type { LifecycleError, MicrosandboxError } from "../errorModel.js"
import * as Errors from "../errorModel.js"
import { narrow } from "../errors.js"
import type { NativeLibrary } from "../ffi/native.js"
import type { SandboxCore } from "../sandboxCore.js"
import { Microsandbox } from "../service.js"
import { bootFailure, refineCreateError } from "./boot.js"
import { type Lookup, SandboxImpl } from "./live.js"
import { register } from "./release.js"
import { HandleJson, OwnsJson } from "./wire.js"

/** Builds the live sandbox for a fresh handle and registers its release in the current Scope. */
const adopt = (
  service: MicrosandboxService,
  name: string,
  handle: bigint,
  config: SandboxConfig.SandboxConfig,
  lookup: Lookup
): Effect.Effect<Sandbox, MicrosandboxError, Scope.Scope> =>
  Effect.gen(function*() {
    const native = service.native
    const owns = yield* native.callDecode("msb_sandbox_owns_lifecycle", [handle], OwnsJson).pipe(
      Effect.map((r) => r.owns),
      Effect.orElseSucceed(() => !config.detached)
    )
    const core: SandboxCore = { service, native, name, config, owns, state: "open", handle }
    yield* register(yield* Scope.Scope, core)
    return new SandboxImpl(core, lookup)
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
  >,
  lookup: Lookup
): Effect.Effect<Sandbox, MicrosandboxError, Microsandbox | Scope.Scope> =>
  Effect.gen(function*() {
    const service = yield* Microsandbox
    const native = service.native
    return yield* Effect.uninterruptibleMask((restore) =>
      restore(callNative(native, releaseOrphan(native, name))).pipe(
        Effect.flatMap((r) => adopt(service, name, BigInt(r.handle), config, lookup))
      )
    )
  }).pipe(Effect.withSpan(operation, { attributes: { "msb.sandbox": name } }))

/**
 * Decodes the name and the configuration (whatever the caller passed: JavaScript
 * callers and JSON escape the types), then creates. Nothing is called and nothing is
 * acquired for a value that does not decode.
 */
export const create = (
  name: string,
  config: SandboxConfig.SandboxConfig,
  lookup: Lookup,
  operation = "Sandbox.make"
): Effect.Effect<Sandbox, LifecycleError, Microsandbox | Scope.Scope> =>
  Effect.suspend(() =>
    Effect.flatMap(
      Effect.flatMap(
        validate(name, config, operation),
        (valid) => Effect.map(createDocument(valid), (document) => ({ valid, document }))
      ),
      ({ document, valid }) =>
        acquire(operation, name, valid, (native, onOrphan) =>
          native.callDecode(
            "msb_sandbox_create",
            [name, document],
            HandleJson,
            {
              operation,
              sandbox: name,
              onOrphan
            }
          ).pipe(Effect.mapError(refineCreateError(name)), (boot) => bootFailure(native, name, boot)), lookup)
    ).pipe(narrow.lifecycle.effect)
  )

const checkName = (name: string, operation: string) =>
  Effect.suspend(() => {
    const problem = checkConfigName(name)
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
  detached: boolean,
  lookup: Lookup
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
          }).pipe((boot) => bootFailure(native, name, boot)),
        lookup
      )
    ),
    narrow.lifecycle.effect
  )
}

export const connect = (
  name: string,
  lookup: Lookup
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
          }),
        lookup
      )
    ),
    narrow.lifecycle.effect
  )
