import { describe, expect, it, layer } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { intervalMillis } from "../../src/internal/metrics.js"
import { MetricsJson, MetricsLiteJson } from "../../src/internal/metricsCodec.js"
import * as Metrics from "../../src/Metrics.js"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as Double from "../support/double.js"

const alpine = SandboxConfig.image("alpine")

describe("metrics", () => {
  it("rounds the stream interval up to whole milliseconds, as the seed does", () => {
    expect(intervalMillis(Duration.micros(1500n))).toBe(2n)
    expect(intervalMillis("1 second")).toBe(1000n)
    expect(intervalMillis(Duration.zero)).toBe(0n)
  })

  it("the runtime's documents decode through one Schema each: members renamed, unmeasured ones None", () => {
    const doc = {
      cpu_percent: 12.5,
      vcpu_time_ns: 2_500_000,
      memory_bytes: 100,
      memory_available_bytes: null,
      memory_host_resident_bytes: 70,
      memory_limit_bytes: 256,
      disk_read_bytes: 1,
      disk_write_bytes: 2,
      net_rx_bytes: 3,
      net_tx_bytes: 4,
      uptime_secs: 9
    }
    const m = Schema.decodeUnknownSync(MetricsJson)(doc)
    expect(m).toBeInstanceOf(Metrics.Metrics)
    expect([m.cpuPercent, m.memoryLimitBytes, m.netTxBytes]).toEqual([12.5, 256, 4])
    expect(Duration.toNanos(m.vcpuTime)).toEqual(Option.some(2_500_000n))
    expect(Duration.toSeconds(m.uptime)).toBe(9)
    expect(m.memoryAvailableBytes).toEqual(Option.none()) // null
    expect(m.upperUsedBytes).toEqual(Option.none()) // absent
    expect(m.memoryHostResidentBytes).toEqual(Option.some(70))
    const lite = Schema.decodeUnknownSync(MetricsLiteJson)(doc)
    expect(lite).toBeInstanceOf(Metrics.MetricsLite)
    expect(lite.memoryBytes).toBe(100)
    // a member of the wrong type or a missing one is refused, not defaulted
    expect(Schema.decodeUnknownEither(MetricsJson)({ ...doc, cpu_percent: "12" })._tag).toBe("Left")
    const { memory_bytes: _, ...missing } = doc
    expect(Schema.decodeUnknownEither(MetricsLiteJson)(missing)._tag).toBe("Left")
  })

  layer(Double.layer(), { excludeTestServices: true })((it) => {
    it.scoped("a point-in-time sample by live sandbox and (fewer fields) by name", () =>
      Effect.gen(function*() {
        const sb = yield* Sandbox.make("m-sample", alpine, SandboxConfig.memory(256))
        yield* sb.shell("head -c 2000000 /dev/zero > /tmp/f; cat /tmp/f > /dev/null")
        const m = yield* sb.metrics
        expect(m.memoryLimitBytes).toBe(256 * 1024 * 1024)
        expect(m.memoryBytes).toBeGreaterThan(0)
        expect(Option.isSome(m.memoryHostResidentBytes)).toBe(true)
        expect(Option.isNone(m.memoryAvailableBytes)).toBe(true)
        expect(Duration.toMillis(m.uptime)).toBeGreaterThanOrEqual(0)
        expect(Duration.toNanos(m.vcpuTime)).toBeDefined()
        const lite = yield* (yield* Sandbox.get("m-sample")).metrics
        expect(lite).toBeInstanceOf(Metrics.MetricsLite)
        expect(lite.memoryLimitBytes).toBe(256 * 1024 * 1024)
        expect("vcpuTime" in lite).toBe(false)
      }))

    it.effect("allMetrics lists only running and draining sandboxes", () =>
      Effect.gen(function*() {
        yield* Effect.scoped(Effect.gen(function*() {
          const a = yield* Sandbox.make("m-all-a", alpine)
          yield* Sandbox.make("m-all-b", alpine)
          yield* a.stop()
          const all = yield* Sandbox.allMetrics
          expect(all.has("m-all-b")).toBe(true)
          expect(all.has("m-all-a")).toBe(false)
        }))
      }))

    it.scoped("the metrics stream leaves the pacing to the runtime's stream and ends when the sandbox stops", () =>
      Effect.gen(function*() {
        const sb = yield* Sandbox.make("m-stream", alpine)
        const before = Double.counters()
        const five = yield* sb.metricsStream("100 millis").pipe(Stream.take(5), Stream.runCollect)
        expect(Chunk.size(five)).toBe(5)
        // One runtime stream, which takes the interval and paces the samples, read by
        // receives (a queued try, then a parked one, when no sample is ready yet): no
        // sampling of its own that could run faster than the interval. That the interval
        // reaches the runtime is shown without a clock by the one-hour test below (one
        // sample, then nothing until the stop).
        const after = Double.counters()
        const delta = (fn: string) => (after.calls[fn] ?? 0) - (before.calls[fn] ?? 0)
        expect([delta("msb_sandbox_metrics_stream"), delta("msb_sandbox_metrics")]).toEqual([1, 0])
        expect(delta("msb_metrics_recv")).toBeGreaterThanOrEqual(5)
        expect(Double.counters().handles.metrics).toBe(0)

        const samples: Array<Metrics.Metrics> = []
        const fiber = yield* sb.metricsStream("50 millis").pipe(
          Stream.runForEach((m) => Effect.sync(() => samples.push(m))),
          Effect.fork
        )
        yield* Double.eventually(() => samples.length >= 2)
        yield* (yield* Sandbox.get("m-stream")).stop()
        // The runtime keeps erroring after the stop; the stream ends instead.
        const exit = yield* Fiber.await(fiber)
        expect(exit._tag).toBe("Success")
        expect(samples.length).toBeGreaterThanOrEqual(2)
        expect(Double.counters().handles.metrics).toBe(0)
      }))

    it.scoped("a metrics stream with a one-hour interval ends when the sandbox stops, not an hour later", () =>
      Effect.gen(function*() {
        const sb = yield* Sandbox.make("m-hour", alpine)
        const samples: Array<Metrics.Metrics> = []
        const fiber = yield* sb.metricsStream("1 hour").pipe(
          Stream.runForEach((m) => Effect.sync(() => samples.push(m))),
          Effect.fork
        )
        yield* Double.eventually(() =>
          samples.length === 1 && (Double.counters().in_flight.msb_metrics_recv ?? 0) === 1
        )
        const lookups = Double.counters().calls.msb_sandbox_lookup ?? 0
        yield* (yield* Sandbox.get("m-hour")).stop()
        // Ends on its own (an hour-long wait would time the test out), after one sample.
        const exit = yield* Fiber.await(fiber)
        expect(exit._tag).toBe("Success")
        expect(samples.length).toBe(1)
        // It noticed the stop by looking the sandbox up while its receive waited.
        expect(Double.counters().calls.msb_sandbox_lookup ?? 0).toBeGreaterThan(lookups)
        const c = Double.counters()
        expect([c.handles.metrics ?? 0, c.in_flight.msb_metrics_recv ?? 0]).toEqual([0, 0])
      }))

    it.scoped("interrupting a metrics stream parked in a receive completes and releases the pin", () =>
      Effect.gen(function*() {
        const sb = yield* Sandbox.make("m-park", alpine)
        const fiber = yield* sb.metricsStream("1 hour").pipe(Stream.drop(1), Stream.runDrain, Effect.fork)
        yield* Double.eventually(() => (Double.counters().in_flight.msb_metrics_recv ?? 0) === 1)
        // The next sample is an hour away: the interruption completes only by cancelling the
        // receive (its latency is measured in bench/threads.ts, not bounded here).
        expect(Exit.isInterrupted(yield* Fiber.interrupt(fiber))).toBe(true)
        const c = Double.counters()
        expect(c.handles.metrics).toBe(0)
        expect(c.in_flight.msb_metrics_recv ?? 0).toBe(0)
        expect(c.cancel_ids.registered).toBe(0)
      }))

    it.scoped("MetricsDisabled is typed, from a sample and from a stream", () =>
      Effect.gen(function*() {
        const sb = yield* Sandbox.make("m-disabled", alpine)
        yield* Double.configure({ metrics_disabled: true })
        const one = yield* Effect.flip(sb.metrics)
        const streamed = yield* Effect.flip(Stream.runDrain(sb.metricsStream("10 millis")))
        yield* Double.configure({ metrics_disabled: null })
        expect(one._tag).toBe("MetricsDisabled")
        expect(streamed._tag).toBe("MetricsDisabled")
      }))
  })

  layer(Double.layer())((it) => {
    it.scoped("Metrics.poll samples on the Effect clock: one per interval, pulled", () =>
      Effect.gen(function*() {
        const sb = yield* Sandbox.make("m-poll", alpine)
        const samples: Array<Metrics.Metrics> = []
        const fiber = yield* Metrics.poll(sb, "10 seconds").pipe(
          Stream.take(3),
          Stream.runForEach((m) => Effect.sync(() => samples.push(m))),
          Effect.fork
        )
        // Real time passes only for the native calls: waits for a count (polling on the live
        // clock, as the TestClock does not move by itself), never bounds a duration.
        const tick = Effect.promise(() => new Promise((r) => setTimeout(r, 10)))
        const until = (n: number) =>
          Effect.gen(function*() {
            for (let i = 0; i < 300 && samples.length < n; i++) yield* tick
            return samples.length
          })
        expect(yield* until(1)).toBe(1)
        yield* TestClock.adjust("10 seconds")
        expect(yield* until(2)).toBe(2)
        yield* TestClock.adjust("5 seconds")
        // Half an interval: no sample is due. (A settle before an absence can miss a bug,
        // never fail a correct run.)
        yield* Effect.promise(() => new Promise((r) => setTimeout(r, 150)))
        expect(samples.length).toBe(2)
        yield* TestClock.adjust("5 seconds")
        yield* Fiber.join(fiber)
        expect(samples.length).toBe(3)
      }))
  })
})
