/**
 * The implementation behind the Sandbox module: the concepts of internal/sandbox/
 * (models, acquisition, release, the live sandbox, the handle, listing), with
 * acquisition bound to the handle lookup the live sandbox's `info` uses.
 *
 * @internal
 */
import type { Microsandbox } from "../Microsandbox.js"
import type { Sandbox } from "../Sandbox.js"
import type * as SandboxConfig from "../SandboxConfig.js"
import type { LifecycleError } from "./errorModel.js"
import * as Acquire from "./sandbox/acquire.js"
import { lookup } from "./sandbox/handle.js"

import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

export { createDocument } from "./config/encode.js"
export { lookup, remove } from "./sandbox/handle.js"
export {
  allMetrics,
  DEFAULT_PAGE_SIZE,
  listAll,
  type ListFilter,
  type ListPage,
  listPage,
  listStream,
  MAX_PAGE_SIZE
} from "./sandbox/list.js"
export {
  HandleTypeId,
  isSandbox,
  type KillOptions,
  PingResult,
  SandboxStatus,
  type StopOptions,
  StopResult,
  TouchResult,
  TypeId
} from "./sandbox/model.js"
export { parallelRelease, register, release } from "./sandbox/release.js"
export { type SandboxCore, withHandle } from "./sandboxCore.js"

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
  Acquire.create(name, config, lookup, operation)

export const start = (
  name: string,
  detached: boolean
): Effect.Effect<Sandbox, LifecycleError, Microsandbox | Scope.Scope> => Acquire.start(name, detached, lookup)

export const connect = (name: string): Effect.Effect<Sandbox, LifecycleError, Microsandbox | Scope.Scope> =>
  Acquire.connect(name, lookup)
