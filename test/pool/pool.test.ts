import { describe, expect, layer } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import type { Sandbox } from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as SandboxPool from "../../src/SandboxPool.js"
import * as Double from "../support/double.js"

const config = SandboxConfig.make(SandboxConfig.image("alpine"))

/** Handles and cancel ids the double holds, to compare with a baseline. */
const resources = () => {
  const c = Double.counters()
  return { handles: Double.openHandles(c), cancelIds: c.cancel_ids.registered }
}

/** Borrows a sandbox, uses it, gives it back; its name. */
const borrowName = (
  pool: SandboxPool.SandboxPool,
  use: (sandbox: Sandbox) => Effect.Effect<void, unknown> = () => Effect.void
) =>
  Effect.scoped(Effect.gen(function*() {
    const sandbox = yield* pool.get
    yield* Effect.orDie(use(sandbox))
    return sandbox.name
  }))

/** Polls an effect every 10 ms for up to 3 s until it holds; whether it did. */
const eventuallyE = <R>(check: Effect.Effect<boolean, unknown, R>) =>
  Effect.gen(function*() {
    for (let i = 0; i < 300; i++) {
      if (yield* Effect.orElseSucceed(check, () => false)) return true
      yield* Effect.sleep("10 millis")
    }
    return false
  })

describe("SandboxPool", () => {
  layer(Double.layer(), { excludeTestServices: true })((it) => {
    it.effect("boots `size` sandboxes ahead; a returned one is destroyed and replaced, never handed out again", () =>
      Effect.gen(function*() {
        const baseline = resources()
        const names = yield* Effect.scoped(Effect.gen(function*() {
          const pool = yield* SandboxPool.make({ size: 2, config, namePrefix: "warm-a" })
          yield* pool.ready
          expect(yield* pool.stats).toMatchObject({ live: 2, idle: 2, borrowed: 0, created: 2 })
          const first = yield* Effect.scoped(Effect.gen(function*() {
            const sandbox = yield* pool.get
            expect((yield* pool.stats).borrowed).toBe(1)
            yield* sandbox.fs.write("/dirty", "left by the first borrower")
            return sandbox.name
          }))
          // Destroyed on return (the borrower's Scope waited for it), replaced in the background.
          expect(yield* Double.status(first)).toBe("gone")
          expect(yield* eventuallyE(Effect.map(pool.stats, (st) => st.live === 2))).toBe(true)
          // Two borrowers at once get two distinct sandboxes, neither the dirty one.
          const later = yield* Effect.all([borrowName(pool), borrowName(pool)], { concurrency: 2 })
          expect(new Set(later).size).toBe(2)
          expect(later).not.toContain(first)
          const stats = yield* pool.stats
          expect(stats.destroyed).toBe(3)
          expect(stats.created).toBe(stats.live + stats.destroyed)
          return [first, ...later]
        }))
        for (const name of names) expect([name, yield* Double.status(name)]).toEqual([name, "gone"])
        expect(resources()).toEqual(baseline)
      }))

    it.effect("a reset hook that succeeds hands the same sandbox out again; one that fails or dies destroys it", () =>
      Effect.gen(function*() {
        const baseline = resources()
        let verdict: "ok" | "fail" | "die" = "ok"
        const resetsSeen: Array<string> = []
        yield* Effect.scoped(Effect.gen(function*() {
          const pool = yield* SandboxPool.make({
            size: 1,
            config,
            namePrefix: "warm-b",
            reset: (sandbox) =>
              Effect.gen(function*() {
                resetsSeen.push(sandbox.name)
                yield* Effect.ignore(sandbox.fs.remove("/dirty"))
                if (verdict === "fail") return yield* Effect.fail("not clean")
                if (verdict === "die") return yield* Effect.die("reset crashed")
              })
          })
          const write = (sandbox: Sandbox) => sandbox.fs.write("/dirty", "x")
          const a = yield* borrowName(pool, write)
          const again = yield* borrowName(pool, (sandbox) =>
            Effect.gen(function*() {
              // The reset ran before this borrower got it: the marker is gone.
              expect(yield* sandbox.fs.exists("/dirty")).toBe(false)
              yield* write(sandbox)
            }))
          expect(again).toBe(a)
          verdict = "fail"
          yield* borrowName(pool, write)
          expect(yield* Double.status(a)).toBe("gone")
          verdict = "ok"
          const b = yield* borrowName(pool)
          expect(b).not.toBe(a)
          verdict = "die"
          yield* borrowName(pool, write)
          expect(yield* Double.status(b)).toBe("gone")
          verdict = "ok"
          const c = yield* borrowName(pool)
          expect([c === a, c === b]).toEqual([false, false])
          expect(yield* pool.stats).toMatchObject({
            resets: 4,
            failedResets: 2,
            live: 1,
            created: 3,
            destroyed: 2
          })
        }))
        expect(resetsSeen.length).toBe(6)
        expect(resources()).toEqual(baseline)
      }))

    it.effect("closing the pool's Scope stops idle sandboxes at once and a borrowed one when it is given back", () =>
      Effect.gen(function*() {
        const baseline = resources()
        const poolScope = yield* Scope.make()
        const pool = yield* SandboxPool.make({ size: 3, config, namePrefix: "warm-c" }).pipe(
          Scope.extend(poolScope)
        )
        yield* pool.ready
        const hold = yield* Deferred.make<void>()
        const got = yield* Deferred.make<string>()
        const borrower = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
          const sandbox = yield* pool.get
          yield* Deferred.succeed(got, sandbox.name)
          yield* Deferred.await(hold)
          // Still usable while the pool is closing.
          yield* sandbox.ping
        })))
        const borrowed = yield* Deferred.await(got)
        const closing = yield* Effect.fork(Scope.close(poolScope, Exit.void))
        const idleNames = ["warm-c-0", "warm-c-1", "warm-c-2"].filter((n) => n !== borrowed)
        const allGone = Effect.map(
          Effect.forEach(idleNames, Double.status),
          (statuses) => statuses.every((st) => st === "gone")
        )
        expect(yield* eventuallyE(allGone)).toBe(true)
        expect(yield* Double.status(borrowed)).toBe("running")
        yield* Deferred.succeed(hold, undefined)
        yield* Fiber.join(borrower)
        yield* Fiber.join(closing)
        for (const name of [...idleNames, borrowed]) {
          expect([name, yield* Double.status(name)]).toEqual([name, "gone"])
        }
        expect(resources()).toEqual(baseline)
      }))

    it.effect("interrupting a borrower that waits for a sandbox leaves the pool whole", () =>
      Effect.gen(function*() {
        const baseline = resources()
        yield* Effect.scoped(Effect.gen(function*() {
          const pool = yield* SandboxPool.make({ size: 1, config, namePrefix: "warm-d" })
          const hold = yield* Deferred.make<void>()
          const holder = yield* Effect.fork(Effect.scoped(Effect.zipRight(pool.get, Deferred.await(hold))))
          expect(yield* eventuallyE(Effect.map(pool.stats, (st) => st.borrowed === 1))).toBe(true)
          const waiter = yield* Effect.fork(borrowName(pool))
          yield* Effect.sleep("50 millis")
          expect(waiter.unsafePoll()).toBeNull()
          yield* Fiber.interrupt(waiter)
          yield* Deferred.succeed(hold, undefined)
          yield* Fiber.join(holder)
          // The pool still serves: a fresh sandbox, and it is handed out exactly once at a time.
          const names = yield* Effect.all([borrowName(pool), borrowName(pool)], { concurrency: 2 })
          expect(new Set(names).size).toBe(2)
          expect(yield* pool.stats).toMatchObject({ borrowed: 0 })
        }))
        expect(resources()).toEqual(baseline)
      }))

    it.effect("interrupting a borrower that holds a sandbox gives it back: destroyed and replaced", () =>
      Effect.gen(function*() {
        const baseline = resources()
        yield* Effect.scoped(Effect.gen(function*() {
          const pool = yield* SandboxPool.make({ size: 1, config, namePrefix: "warm-e" })
          const got = yield* Deferred.make<string>()
          const holder = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
            const sandbox = yield* pool.get
            yield* Deferred.succeed(got, sandbox.name)
            return yield* Effect.never
          })))
          const held = yield* Deferred.await(got)
          yield* Fiber.interrupt(holder)
          expect(yield* Double.status(held)).toBe("gone")
          expect(yield* eventuallyE(Effect.map(pool.stats, (st) => st.live === 1 && st.idle === 1))).toBe(
            true
          )
          expect(yield* pool.stats).toMatchObject({ created: 2, destroyed: 1, borrowed: 0 })
          expect(yield* borrowName(pool)).not.toBe(held)
        }))
        expect(resources()).toEqual(baseline)
      }))

    it.effect("with maxSize above size, borrowers beyond size get sandboxes booted on demand", () =>
      Effect.gen(function*() {
        const baseline = resources()
        yield* Effect.scoped(Effect.gen(function*() {
          const pool = yield* SandboxPool.make({
            size: 1,
            maxSize: 3,
            timeToLive: "200 millis",
            config,
            namePrefix: "warm-f",
            reset: () => Effect.void
          })
          yield* pool.ready
          const hold = yield* Deferred.make<void>()
          const names: Array<string> = []
          const borrowers = yield* Effect.forEach(
            [1, 2, 3],
            () =>
              Effect.fork(
                borrowName(pool, (sandbox) =>
                  Effect.sync(() =>
                    names.push(sandbox.name)
                  ).pipe(Effect.zipRight(Deferred.await(hold))))
              ),
            { concurrency: "unbounded" }
          )
          expect(yield* eventuallyE(Effect.sync(() => names.length === 3))).toBe(true)
          expect(new Set(names).size).toBe(3)
          expect((yield* pool.stats).borrowed).toBe(3)
          yield* Deferred.succeed(hold, undefined)
          yield* Effect.forEach(borrowers, Fiber.join, { discard: true })
          // Reset, then the two above `size` stop once idle for their time to live: the
          // pool forgets them first, then their stops complete (ephemeral: records gone).
          expect(yield* eventuallyE(Effect.map(pool.stats, (st) => st.live === 1))).toBe(true)
          const stopped = Effect.map(
            Effect.forEach(names, Double.status),
            (statuses) => statuses.filter((s) => s === "gone").length === 2
          )
          expect(yield* eventuallyE(stopped)).toBe(true)
        }))
        expect(resources()).toEqual(baseline)
      }))

    it.effect("closing a pool while its time to live is stopping a sandbox completes", () =>
      Effect.gen(function*() {
        const baseline = resources()
        // Each stop takes 300 ms, so the pool is closed while the time to live's fiber is
        // inside a sandbox's finalizer; with the finalizer registered by Effect.addFinalizer
        // that fiber's interruption never took effect and the close hung.
        yield* Double.fault({ fn: "msb_sandbox_stop", delay_ms: 300, count: 100 })
        for (let round = 0; round < 10; round++) {
          const closed = yield* Effect.scoped(Effect.gen(function*() {
            const pool = yield* SandboxPool.make({
              size: 1,
              maxSize: 3,
              timeToLive: "100 millis",
              config,
              namePrefix: `warm-h${round}`,
              reset: () => Effect.void
            })
            yield* pool.ready
            const hold = yield* Deferred.make<void>()
            const borrowers = yield* Effect.forEach(
              [1, 2, 3],
              () => Effect.fork(borrowName(pool, () => Deferred.await(hold))),
              { concurrency: "unbounded" }
            )
            expect(yield* eventuallyE(Effect.map(pool.stats, (st) => st.borrowed === 3))).toBe(true)
            yield* Deferred.succeed(hold, undefined)
            yield* Effect.forEach(borrowers, Fiber.join, { discard: true })
            // A sandbox leaves the count as its stop begins: the pool closes while the time
            // to live stops the second of the two above `size`.
            expect(yield* eventuallyE(Effect.map(pool.stats, (st) => st.live === 1))).toBe(true)
          })).pipe(
            Effect.as(true),
            Effect.disconnect,
            Effect.timeoutTo({ duration: "20 seconds", onSuccess: (done) => done, onTimeout: () => false })
          )
          expect(closed).toBe(true)
        }
        yield* Double.clearFaults
        expect(resources()).toEqual(baseline)
      }))

    it.effect("bad options fail with InvalidConfig before anything boots", () =>
      Effect.gen(function*() {
        const before = Double.counters().calls.msb_sandbox_create ?? 0
        const errors = yield* Effect.all([
          Effect.flip(Effect.scoped(SandboxPool.make({ size: 0, config }))),
          Effect.flip(Effect.scoped(SandboxPool.make({ size: 2, maxSize: 1, config }))),
          Effect.flip(Effect.scoped(SandboxPool.make({ size: 1, config, namePrefix: "-bad" }))),
          Effect.flip(
            Effect.scoped(SandboxPool.make({ size: 1, config: SandboxConfig.make(SandboxConfig.cpus(0)) }))
          )
        ])
        expect(errors.map((e) => e._tag)).toEqual([
          "InvalidConfig",
          "InvalidConfig",
          "InvalidConfig",
          "InvalidConfig"
        ])
        expect(Double.counters().calls.msb_sandbox_create ?? 0).toBe(before)
      }))
  })
})
