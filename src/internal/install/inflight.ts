/**
 * One in-flight run per key, shared by every caller in the process: the first caller
 * starts the work on its own fiber, later callers join it, and the work is interrupted
 * only when every caller waiting for it has been interrupted. Once it ends (success or
 * failure) the key is free again, so a later call starts afresh.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { globalValue } from "effect/GlobalValue"

interface Entry {
  readonly fiber: Fiber.RuntimeFiber<unknown, unknown>
  waiters: number
}

const running = globalValue(
  Symbol.for("effect-microsandbox/install/inflight"),
  () => new Map<string, Entry>()
)

/** How many callers wait for runs in flight (for tests). */
export const inFlightWaiters = (): number => [...running.values()].reduce((n, e) => n + e.waiters, 0)

export const shared = <A, E, R>(key: string, work: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      let entry = running.get(key)
      if (entry === undefined) {
        // A fiber forked here would inherit the mask: the work itself stays interruptible.
        const fiber = yield* Effect.forkDaemon(
          Effect.interruptible(work).pipe(Effect.ensuring(Effect.sync(() => {
            if (running.get(key)?.fiber === fiber) running.delete(key)
          })))
        )
        entry = { fiber, waiters: 0 }
        running.set(key, entry)
      }
      const current = entry
      current.waiters++
      const fiber = current.fiber as Fiber.RuntimeFiber<A, E>
      return yield* restore(Fiber.join(fiber)).pipe(
        Effect.onExit((exit) =>
          Effect.suspend(() => {
            current.waiters--
            if (!Exit.isInterrupted(exit) || current.waiters > 0) return Effect.void
            // The last waiter gave up: stop the work (its finalizers run before this returns).
            if (running.get(key) === current) running.delete(key)
            return Fiber.interrupt(fiber)
          })
        )
      )
    })
  )
