/**
 * A warm pool: sandboxes of one configuration, booted ahead of time and handed out as
 * scoped resources (docs/pool.md).
 *
 * A borrowed sandbox goes back when the borrower's Scope closes, and is never handed
 * out again dirty: by default it is destroyed and a fresh one boots in its place; with
 * a `reset` hook it is reset instead, and destroyed if the hook fails. Closing the
 * pool's own Scope stops every sandbox in it (borrowed ones when they come back).
 * Built on Effect's `Pool`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Microsandbox, SandboxConfig, SandboxPool } from "effect-microsandbox"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function*() {
 *     const pool = yield* SandboxPool.make({ size: 4, config: SandboxConfig.make(SandboxConfig.image("python:3.12")) })
 *     const result = yield* Effect.scoped(
 *       Effect.gen(function*() {
 *         const sandbox = yield* pool.get
 *         return yield* sandbox.exec("python3", ["-c", "print(6 * 7)"])
 *       })
 *     )
 *     yield* Effect.log(result.stdout)
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
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as internal from "./internal/sandboxPool.js"
import type { Microsandbox } from "./Microsandbox.js"
import type { InvalidConfig, LifecycleError } from "./MicrosandboxError.js"
import type { Sandbox } from "./Sandbox.js"
import type { SandboxConfig } from "./SandboxConfig.js"

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
 * Options of a pool.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The configuration every pooled sandbox boots with (`ephemeral` unless set otherwise). */
  readonly config: SandboxConfig
  /** Sandboxes kept booted and ready. */
  readonly size: number
  /** More may boot on demand when all are borrowed, up to this many (default: `size`). */
  readonly maxSize?: number | undefined
  /** How long a sandbox above `size` may stay idle before it is stopped (default 1 minute). */
  readonly timeToLive?: Duration.DurationInput | undefined
  /** Names are `<namePrefix>-<n>` (default `pool-<pid>-<random>`). */
  readonly namePrefix?: string | undefined
  /**
   * Makes a returned sandbox clean for its next borrower instead of destroying it. It must
   * succeed: if it fails, dies or is interrupted, the sandbox is destroyed and replaced.
   * It runs when the borrower's Scope closes, which waits for it.
   */
  readonly reset?: ((sandbox: Sandbox) => Effect.Effect<void, unknown>) | undefined
}

/**
 * Counters of a pool.
 *
 * @since 0.1.0
 * @category models
 */
export interface Stats {
  /** Sandboxes booted and not yet stopped. */
  readonly live: number
  readonly idle: number
  readonly borrowed: number
  /** Sandboxes booted since the pool was made. */
  readonly created: number
  /** Sandboxes stopped since the pool was made. */
  readonly destroyed: number
  /** Successful `reset` runs. */
  readonly resets: number
  /** `reset` runs that failed (each sandbox then destroyed). */
  readonly failedResets: number
}

/**
 * A warm pool of sandboxes.
 *
 * @since 0.1.0
 * @category models
 */
export interface SandboxPool {
  readonly [TypeId]: TypeId
  /** The prefix of the pooled sandboxes' names. */
  readonly namePrefix: string
  /**
   * A ready sandbox for the current Scope (waits while all are borrowed). When the Scope
   * closes it is reset (with a `reset` hook) or destroyed and replaced.
   */
  readonly get: Effect.Effect<Sandbox, LifecycleError, Scope.Scope>
  /** Succeeds once `size` sandboxes have booted; fails with the first boot failure. */
  readonly ready: Effect.Effect<void, LifecycleError>
  /** Marks a sandbox to be destroyed (now if idle, else when it is given back). */
  readonly invalidate: (sandbox: Sandbox) => Effect.Effect<void>
  readonly stats: Effect.Effect<Stats>
}

/**
 * Makes a pool owned by the current Scope; its sandboxes start booting at once. Fails
 * with `InvalidConfig` for bad options or configuration (nothing boots then).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (
  options: Options
) => Effect.Effect<SandboxPool, InvalidConfig, Microsandbox | Scope.Scope> = internal.make

/**
 * A pool as a Layer for a service tag of yours.
 *
 * @example
 * ```ts
 * import { Context } from "effect"
 * import { SandboxConfig, SandboxPool } from "effect-microsandbox"
 *
 * class Workers extends Context.Tag("Workers")<Workers, SandboxPool.SandboxPool>() {}
 * const WorkersLive = SandboxPool.layer(Workers, { size: 8, config: SandboxConfig.make(SandboxConfig.image("alpine")) })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <I>(
  tag: Context.Tag<I, SandboxPool>,
  options: Options
): Layer.Layer<I, InvalidConfig, Microsandbox> => Layer.scoped(tag, make(options))
