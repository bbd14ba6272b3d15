import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { Microsandbox } from "../../src/Microsandbox.js"
import * as Double from "../support/double.js"

const native = Effect.map(Microsandbox, (m) => m.native)

/** Polls every 20 ms for up to 60 s (starting worker threads is slow on a loaded machine). */
const within = <E, R>(check: Effect.Effect<boolean, E, R>) =>
  Effect.gen(function*() {
    for (let i = 0; i < 3000; i++) {
      if (yield* check) return true
      yield* Effect.sleep("20 millis")
    }
    return false
  })

const warnings: Array<string> = []
const capture = Logger.replace(
  Logger.defaultLogger,
  Logger.make(({ logLevel, message }) => {
    if (logLevel._tag === "Warning") warnings.push(String(message))
  })
)
const lanesLayer = (threads: NonNullable<Parameters<typeof Double.layer>[0]>["threads"]) =>
  Double.layer({ threads }).pipe(Layer.provide(capture))

/** `n` creates that the double holds until they are cancelled. */
const blockedCreates = (prefix: string, n: number) =>
  Effect.gen(function*() {
    const nat = yield* native
    yield* Double.fault({ fn: "msb_sandbox_create", block: true, count: n })
    return yield* Effect.forEach(
      Array.from({ length: n }, (_, i) => `${prefix}-${i}`),
      (name) => Effect.fork(nat.call("msb_sandbox_create", [name, JSON.stringify({ image: "alpine" })])),
      { concurrency: "unbounded" }
    )
  })

const inFlight = Effect.sync(() => Double.counters().in_flight.msb_sandbox_create ?? 0)

describe("park lanes", () => {
  it.live("grow on demand: 16 long calls that block all run at once, without a warning", () =>
    Effect.gen(function*() {
      warnings.length = 0
      const fibers = yield* blockedCreates("lanes-grow", 16)
      expect(yield* within(Effect.map(inFlight, (n) => n === 16))).toBe(true)
      const stats = (yield* native).executor.stats()
      expect(stats.workers).toBeGreaterThanOrEqual(16)
      expect(stats.workers).toBeLessThanOrEqual(stats.maxWorkers)
      yield* Effect.forEach(fibers, Fiber.interrupt, { concurrency: "unbounded", discard: true })
      expect(yield* inFlight).toBe(0)
      expect(Double.counters().cancel_ids.registered).toBe(0)
      expect(warnings).toEqual([])
    }).pipe(Effect.provide(lanesLayer({ memoryBudgetMiB: 40 * 9 }))))

  it.live("stay within the memory budget: 45 MiB is 5 lanes, of which long calls hold at most 4", () =>
    Effect.gen(function*() {
      yield* Double.resetMaxInFlight
      const fibers = yield* blockedCreates("lanes-budget", 12)
      expect(yield* within(Effect.map(inFlight, (n) => n === 4))).toBe(true)
      const n = yield* native
      // A receive (a park-lane call) still gets the lane long calls leave free.
      const wait = yield* n.call("msb_sandbox_handle_wait_until_stopped", ["lanes-budget-none"]).pipe(
        Effect.flip
      )
      expect(wait._tag).toBe("SandboxNotFound")
      expect(n.executor.stats().maxWorkers).toBe(5)
      expect(n.executor.stats().workers).toBeLessThanOrEqual(5)
      expect(n.executor.stats().queuedPark).toBe(8)
      yield* Effect.forEach(fibers, Fiber.interrupt, { concurrency: "unbounded", discard: true })
      expect(Double.counters().max_in_flight.msb_sandbox_create).toBe(4)
      expect(Double.counters().cancel_ids.registered).toBe(0)
    }).pipe(Effect.provide(lanesLayer({ memoryBudgetMiB: 45 }))))

  it.live("shrink when idle, all but one", () =>
    Effect.gen(function*() {
      const fibers = yield* blockedCreates("lanes-idle", 6)
      expect(yield* within(Effect.map(inFlight, (n) => n === 6))).toBe(true)
      const n = yield* native
      expect(n.executor.stats().workers).toBeGreaterThanOrEqual(6)
      yield* Effect.forEach(fibers, Fiber.interrupt, { concurrency: "unbounded", discard: true })
      expect(yield* within(Effect.sync(() => n.executor.stats().workers === 1))).toBe(true)
    }).pipe(Effect.provide(lanesLayer({ memoryBudgetMiB: 20 * 9, idleMs: 200 }))))
})
