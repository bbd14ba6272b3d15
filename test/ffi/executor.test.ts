import { describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
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

const timed = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const t = performance.now()
    const a = yield* self
    return [a, performance.now() - t] as const
  })

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
        yield* Effect.sleep("300 millis")
        const stats = n.executor.stats()
        expect(stats.queuedPark + stats.runningPark).toBe(256)
        expect(stats.workers).toBeLessThanOrEqual(4)

        const [, shortMs] = yield* timed(n.call("msb_sandbox_lookup", ["parked"]))
        const [, fsMs] = yield* timed(Effect.promise(() => readFile(file)))
        expect(shortMs).toBeLessThan(250)
        expect(fsMs).toBeLessThan(250)
        // The slicer rotated the parked receives through the lanes.
        expect(n.executor.stats().preemptions).toBeGreaterThan(0)

        // A long call (stop) does not queue behind the parked receives.
        const [, stopMs] = yield* timed(n.call("msb_sandbox_stop", [BigInt(created.handle), 5000n]))
        expect(stopMs).toBeLessThan(1000)
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
        yield* Effect.sleep("100 millis")
        const [, ms] = yield* timed(Effect.forEach(waits, Fiber.interrupt, { concurrency: "unbounded" }))
        expect(ms).toBeLessThan(1000)
        const stats = n.executor.stats()
        expect(stats.queuedPark + stats.runningPark).toBe(0)
        const c = Double.counters()
        expect(c.cancel_ids.registered).toBe(0)
        expect(c.in_flight.msb_sandbox_handle_wait_until_stopped ?? 0).toBe(0)
        yield* n.call("msb_sandbox_handle_kill", ["parked2", 5000n])
      }))
  })
})
