/**
 * The state every operation on a live sandbox shares.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { MicrosandboxService } from "../Microsandbox.js"
import type { Sandbox } from "../Sandbox.js"
import type * as SandboxConfig from "../SandboxConfig.js"
import * as Errors from "./errorModel.js"
import type { NativeLibrary } from "./ffi/native.js"

type HandleState = "open" | "closed" | "detached"

export interface SandboxCore {
  readonly service: MicrosandboxService
  readonly native: NativeLibrary
  readonly name: string
  readonly config: SandboxConfig.SandboxConfig
  readonly owns: boolean
  state: HandleState
  handle: bigint
}

const closedError = (core: SandboxCore, operation: string) =>
  new Errors.InvalidHandle({
    message: `sandbox handle already ${core.state === "detached" ? "detached" : "closed"}`,
    operation,
    sandbox: core.name
  })

/** Runs `f` with the live handle, or fails InvalidHandle without calling the library. */
export const withHandle = <A, E, R>(
  core: SandboxCore,
  operation: string,
  f: (handle: bigint) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | Errors.InvalidHandle, R> =>
  Effect.suspend((): Effect.Effect<A, E | Errors.InvalidHandle, R> =>
    core.state === "open" ? f(core.handle) : Effect.fail(closedError(core, operation))
  )

/** The core of a live sandbox object. */
export const coreOf = (sandbox: Sandbox): SandboxCore =>
  (sandbox as unknown as { readonly core: SandboxCore }).core
