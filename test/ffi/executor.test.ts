import { describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { readFile, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Microsandbox } from "../../src/Microsandbox.js"
import * as Double from "../support/double.js"

const native = Effect.map(Microsandbox, (m) => m.native)
const Stop = Schema.Struct({
  name: Schema.String,
  status: Schema.String,
  source: Schema.NullOr(Schema.String)
})

/** How many of `fibers` have not completed yet (ordering, not time: no fiber is awaited). */
const pending = <A, E>(fibers: ReadonlyArray<Fiber.Fiber<A, E>>) =>
  Effect.map(Effect.forEach(fibers, Fiber.poll), (polls) => polls.filter(Option.isNone).length)

// Latencies (how fast a short call, a libuv fs read, a stop or an interruption completes
// next to 256 parked receives) are measured in bench/threads.ts; these tests assert the
// ordering: each completes while the parked receives are still parked.
describe("threads", () => {
  layer(Double.layer({ threads: { maxWorkers: 4, sliceMs: 20 } }), { excludeTestServices: true })((it) => {
    it.effect("256 parked receives starve neither short calls, nor libuv's fs, nor each other", () =>
      Effect.gen(function*() {
        const n = yield* native
        const file = join(tmpdir(), `msb-fs-probe-${process.pid}`)
        yield* Effect.promise(() => writeFile(file, "x".repeat(64 * 1024)))
        const created = yield* n.callDecode(
          "msb_sandbox_create",
          ["parked", JSON.stringify({ image: "alpine" })],
          Schema.Struct({ handle: Schema.Number })
        )
        // 256 receives that wait for the sandbox to stop: unbounded, cancel-safe.
        const waits = yield* Effect.forEach(
          Array.from({ length: 256 }),
          () => Effect.fork(n.callDecode("msb_sandbox_handle_wait_until_stopped", ["parked"], Stop)),
          { concurrency: "unbounded" }
        )
        yield* Double.eventually(() => {
          const s = n.executor.stats()
          return s.queuedPark + s.runningPark === 256
        })
        const stats = n.executor.stats()
        expect(stats.queuedPark + stats.runningPark).toBe(256)
        expect(stats.workers).toBeLessThanOrEqual(4)

        // A short call and a libuv fs read complete while all 256 receives are still parked
        // (they can only return once the sandbox stops, which nothing has asked for yet).
        yield* n.call("msb_sandbox_lookup", ["parked"])
        expect((yield* Effect.promise(() => readFile(file))).length).toBe(64 * 1024)
        expect(yield* pending(waits)).toBe(256)
        // The slicer rotates the parked receives through the lanes.
        expect(yield* Double.eventually(() => n.executor.stats().preemptions > 0)).toBe(true)

        // A long call (stop) does not queue behind the parked receives: it is the stop that
        // releases them, so had it queued behind them, it (and this test) would never finish.
        expect(yield* pending(waits)).toBe(256)
        yield* n.call("msb_sandbox_stop", [BigInt(created.handle), 5000n])
        const results = yield* Effect.forEach(waits, Fiber.join, { concurrency: "unbounded" })
        expect(results.every((r) => r.status === "stopped" && r.name === "parked")).toBe(true)
        yield* n.call("msb_sandbox_close", [BigInt(created.handle)])
        const c = Double.counters()
        expect(c.cancel_ids.registered).toBe(0)
        expect(c.in_flight.msb_sandbox_handle_wait_until_stopped ?? 0).toBe(0)
      }))

    it.effect("interrupting parked and queued receives leaves nothing registered", () =>
      Effect.gen(function*() {
        const n = yield* native
        yield* n.call("msb_sandbox_create", ["parked2", JSON.stringify({ image: "alpine" })])
        const waits = yield* Effect.forEach(
          Array.from({ length: 64 }),
          () => Effect.fork(n.call("msb_sandbox_handle_wait_until_stopped", ["parked2"])),
          { concurrency: "unbounded" }
        )
        yield* Double.eventually(() => {
          const s = n.executor.stats()
          return s.queuedPark + s.runningPark === 64
        })
        // The receives wait until a stop that never comes: the interruptions complete only
        // because each one cancels its native call (or drops it from the queue).
        const exits = yield* Effect.forEach(waits, Fiber.interrupt, { concurrency: "unbounded" })
        expect(exits.every(Exit.isInterrupted)).toBe(true)
        const stats = n.executor.stats()
        expect(stats.queuedPark + stats.runningPark).toBe(0)
        const c = Double.counters()
        expect(c.cancel_ids.registered).toBe(0)
        expect(c.in_flight.msb_sandbox_handle_wait_until_stopped ?? 0).toBe(0)
        yield* n.call("msb_sandbox_handle_kill", ["parked2", 5000n])
      }))
  })
})
