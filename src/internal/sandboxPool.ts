/**
 * The warm pool behind SandboxPool: Effect's `Pool` of sandboxes, each booted into a
 * scope of its own so that the pool can stop idle ones concurrently when it closes.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Pool from "effect/Pool"
import * as Scope from "effect/Scope"
import type { Sandbox } from "../Sandbox.js"
import type * as SandboxConfig from "../SandboxConfig.js"
import type * as SandboxPool from "../SandboxPool.js"
import { checkName, validate } from "./config/validate.js"
import type { LifecycleError } from "./errorModel.js"
import { InvalidConfig } from "./errorModel.js"
import { create } from "./sandbox.js"
import { Microsandbox } from "./service.js"
import { decodeDuration, show } from "./validate.js"

export const TypeId: unique symbol = Symbol.for("effect-microsandbox/SandboxPool")
export type TypeId = typeof TypeId

interface Entry {
  readonly scope: Scope.CloseableScope
  borrowed: boolean
}

const invalid = (field: string, message: string) =>
  new InvalidConfig({
    message: `invalid pool options: ${field}: ${message}`,
    operation: "SandboxPool.make",
    field
  })

export const make = (
  options: SandboxPool.Options
): Effect.Effect<SandboxPool.SandboxPool, InvalidConfig, Microsandbox | Scope.Scope> =>
  Effect.gen(function*() {
    if (typeof options !== "object" || options === null) {
      return yield* invalid("options", `must be an object, got ${show(options)}`)
    }
    const size = options.size
    const maxSize = options.maxSize ?? size
    if (!Number.isSafeInteger(size) || size < 1) {
      return yield* invalid("size", `must be a positive integer, got ${show(size)}`)
    }
    if (!Number.isSafeInteger(maxSize) || maxSize < size) {
      return yield* invalid("maxSize", `must be an integer >= size (${size}), got ${show(maxSize)}`)
    }
    let timeToLive = Duration.minutes(1)
    if (options.timeToLive !== undefined) {
      const decoded = decodeDuration(options.timeToLive)
      if (decoded._tag === "Left") return yield* invalid("timeToLive", decoded.left)
      if (!Duration.isFinite(decoded.right)) return yield* invalid("timeToLive", "must be finite")
      timeToLive = decoded.right
    }
    if (options.reset !== undefined && typeof options.reset !== "function") {
      return yield* invalid("reset", `must be a function, got ${show(options.reset)}`)
    }
    if (options.namePrefix !== undefined && typeof options.namePrefix !== "string") {
      return yield* invalid("namePrefix", `must be a string, got ${show(options.namePrefix)}`)
    }
    if (typeof options.config !== "object" || options.config === null) {
      return yield* invalid(
        "config",
        `must be a configuration (SandboxConfig.make), got ${show(options.config)}`
      )
    }
    const prefix = options.namePrefix ?? `pool-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
    const problem = checkName(`${prefix}-0`)
    if (problem) return yield* invalid("namePrefix", problem)
    // Pooled sandboxes are disposable: their records go when they stop, unless asked otherwise.
    const config: SandboxConfig.SandboxConfig = { ephemeral: true, ...options.config }
    // Validate once, up front, so that a bad configuration fails `make`, not every boot.
    yield* validate(`${prefix}-0`, config, "SandboxPool.make")

    const entries = new Map<Sandbox, Entry>()
    const counts = { created: 0, destroyed: 0, resets: 0, failedResets: 0 }
    let seq = 0
    const ready = yield* Deferred.make<void, LifecycleError>()

    const acquire: Effect.Effect<Sandbox, LifecycleError, Scope.Scope | Microsandbox> = Effect.gen(
      function*() {
        const scope = yield* Scope.make()
        // Pool's item scope closes ours; ours stops the sandbox (idempotent when the pool
        // already stopped it at shutdown). Added to the item scope as it is, not with
        // `Effect.addFinalizer` (which runs a finalizer under the acquiring fiber's fiber
        // refs and restores them afterwards): with that one, a pool closed while the Pool's
        // time-to-live fiber was running this finalizer (a stop) hung, that fiber's
        // interruption never taking effect — measured, the mechanism inside Effect not
        // established (test/pool/pool.test.ts, "closing a pool while its time to live is
        // stopping a sandbox completes").
        yield* Scope.addFinalizer(yield* Effect.scope, Scope.close(scope, Exit.void))
        const sandbox = yield* create(`${prefix}-${seq++}`, config).pipe(
          Scope.extend(scope),
          Effect.tapError((e) => Deferred.fail(ready, e))
        )
        const entry: Entry = { scope, borrowed: false }
        entries.set(sandbox, entry)
        counts.created++
        yield* Scope.addFinalizer(
          scope,
          Effect.sync(() => {
            entries.delete(sandbox)
            counts.destroyed++
          })
        )
        if (entries.size >= size) yield* Deferred.succeed(ready, undefined)
        return sandbox
      }
    )
    // Only the service: the caller's Scope must not leak into each sandbox's own.
    const acquireIn = Effect.provideService(acquire, Microsandbox, yield* Microsandbox)

    const pool = maxSize === size
      ? yield* Pool.make({ acquire: acquireIn, size })
      : yield* Pool.makeWithTTL({
        acquire: acquireIn,
        min: size,
        max: maxSize,
        timeToLive
      })

    // Runs before the Pool's own shutdown (finalizers run in reverse): stop every idle
    // sandbox at once rather than one after another; borrowed ones are stopped when
    // their borrowers give them back.
    yield* Effect.addFinalizer(() =>
      Effect.forEach(
        [...entries.values()].filter((e) => !e.borrowed),
        (e) => Scope.close(e.scope, Exit.void),
        { concurrency: "unbounded", discard: true }
      )
    )

    const reset = options.reset
    const recycle = (sandbox: Sandbox): Effect.Effect<void> =>
      Effect.suspend(() => {
        const entry = entries.get(sandbox)
        if (entry) entry.borrowed = false
        if (reset === undefined) return pool.invalidate(sandbox)
        return reset(sandbox).pipe(
          Effect.exit,
          Effect.flatMap((exit) => {
            if (Exit.isSuccess(exit)) {
              counts.resets++
              return Effect.void
            }
            counts.failedResets++
            return Effect.logWarning(
              `resetting pooled sandbox ${sandbox.name} failed; destroying it`,
              exit.cause
            ).pipe(Effect.zipRight(pool.invalidate(sandbox)))
          })
        )
      })

    const get: Effect.Effect<Sandbox, LifecycleError, Scope.Scope> = Effect.uninterruptibleMask((
      restore
    ) =>
      restore(Pool.get(pool)).pipe(
        // Added after the Pool's own return finalizer, so it runs first: the sandbox is
        // reset or invalidated before it is back in the pool.
        Effect.tap((sandbox) =>
          Effect.zipRight(
            Effect.sync(() => {
              const entry = entries.get(sandbox)
              if (entry) entry.borrowed = true
            }),
            Effect.addFinalizer(() => recycle(sandbox))
          )
        )
      )
    ).pipe(Effect.withSpan("SandboxPool.get", { attributes: { "msb.pool": prefix } }))

    const stats = Effect.sync((): SandboxPool.Stats => {
      let borrowed = 0
      for (const e of entries.values()) if (e.borrowed) borrowed++
      return { ...counts, live: entries.size, borrowed, idle: entries.size - borrowed }
    })

    return {
      [TypeId]: TypeId,
      namePrefix: prefix,
      get,
      ready: Deferred.await(ready),
      invalidate: (sandbox: Sandbox) => pool.invalidate(sandbox),
      stats
    } satisfies SandboxPool.SandboxPool
  }).pipe(Effect.withSpan("SandboxPool.make"))
