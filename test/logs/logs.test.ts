import { describe, expect, layer } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Logs from "../../src/Logs.js"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as Double from "../support/double.js"

class Box extends Context.Tag("test/LogBox")<Box, Sandbox.Sandbox>() {}
const BoxLive = Sandbox.layer(Box, "log-box", SandboxConfig.image("alpine"))
const texts = (entries: ReadonlyArray<Logs.LogEntry>) => entries.map((e) => `${e.source}:${e.text}`)
const collect = <E>(s: Stream.Stream<Logs.LogEntry, E>) =>
  Effect.map(Stream.runCollect(s), Chunk.toReadonlyArray)

describe("logs", () => {
  layer(Layer.provideMerge(BoxLive, Double.layer()), { excludeTestServices: true })((it) => {
    it.effect("reads entries with source, session, timestamp, bytes, text and cursor; sources filter", () =>
      Effect.gen(function*() {
        const sb = yield* Box
        const before = Date.now()
        yield* sb.shell("echo one; echo two >&2")
        yield* sb.shell("echo three")
        const entries = yield* sb.logs()
        // Sorted by time; order is only guaranteed within a source.
        expect(texts(entries).filter((t) => t.startsWith("stdout"))).toEqual([
          "stdout:one\n",
          "stdout:three\n"
        ])
        expect(texts(entries).filter((t) => t.startsWith("stderr"))).toEqual(["stderr:two\n"])
        expect(entries.map((e) => e.timestamp.getTime())).toEqual(
          [...entries.map((e) => e.timestamp.getTime())].sort()
        )
        const first = entries.find((e) => e.text === "one\n")!
        expect(Option.isSome(first.sessionId)).toBe(true)
        expect(entries.find((e) => e.text === "three\n")!.sessionId).not.toEqual(first.sessionId)
        expect(entries.find((e) => e.text === "two\n")!.sessionId).toEqual(first.sessionId)
        // Written between the two clock reads: an ordering, not a duration.
        expect(first.timestamp.getTime()).toBeGreaterThanOrEqual(before)
        expect(first.timestamp.getTime()).toBeLessThanOrEqual(Date.now())
        expect(Array.from(first.data)).toEqual([111, 110, 101, 10])
        expect(first.cursor.length).toBeGreaterThan(0)
        expect(texts(yield* sb.logs({ sources: ["stderr"] }))).toEqual(["stderr:two\n"])
        expect(texts(yield* sb.logs({ tail: 1 }))).toEqual(["stdout:three\n"])
        const system = yield* sb.logs({ sources: ["system"] })
        expect(system.map((e) => e.text)).toContain("sandbox running\n")
        expect(system.every((e) => e.source === "system" && Option.isNone(e.sessionId))).toBe(true)
        const since = entries.find((e) => e.text === "three\n")!.timestamp
        expect(texts(yield* sb.logs({ since }))).toContain("stdout:three\n")
        expect(texts(yield* sb.logs({ until: entries[0]!.timestamp }))).toEqual([])
        expect(texts(yield* sb.logs({ since: entries[0]!.timestamp, until: since }))).not.toContain(
          "stdout:three\n"
        )
      }))

    it.effect("a stream delivers the same entries; resuming after a cursor neither repeats nor skips", () =>
      Effect.gen(function*() {
        const sb = yield* Box
        yield* sb.shell("for i in 1 2 3 4 5 6; do echo line$i; done")
        const all = yield* collect(sb.logStream())
        expect(texts(all)).toEqual(texts(yield* sb.logs()))
        const k = 2
        const rest = yield* collect(sb.logStream({ afterCursor: all[k]!.cursor }))
        expect(texts(rest)).toEqual(texts(all.slice(k + 1)))
        // A cursor from a one-shot read resumes a stream too.
        const read = yield* sb.logs()
        expect(texts(yield* collect(sb.logStream({ afterCursor: read[1]!.cursor })))).toEqual(
          texts(read.slice(2))
        )
      }))

    it.effect("a log of many hundred KiB streams whole and resumes mid-way (the reader walks it in steps)", () =>
      Effect.gen(function*() {
        const sb = yield* Box
        const expected = Array.from({ length: 80000 }, (_, i) => `${i + 1}\n`).join("")
        const run = yield* sb.shell("seq 1 80000")
        expect(run.stdout.length).toBe(expected.length)
        const stdout = yield* collect(sb.logStream({ sources: ["stdout"] }))
        const text = stdout.map((e) => e.text).join("")
        // Earlier tests of this layer wrote to the same log: this command's output is its tail.
        expect(text.endsWith(expected)).toBe(true)
        const k = Math.floor(stdout.length / 2)
        const rest = yield* collect(sb.logStream({ sources: ["stdout"], afterCursor: stdout[k]!.cursor }))
        expect(rest.map((e) => e.text).join("")).toBe(stdout.slice(k + 1).map((e) => e.text).join(""))
      }))

    it.effect("since and afterCursor together fail before any call", () =>
      Effect.gen(function*() {
        const sb = yield* Box
        const before = Double.counters().calls.msb_sandbox_log_stream ?? 0
        const error = yield* Effect.flip(
          Stream.runDrain(sb.logStream({ since: Date.now(), afterCursor: "AQ==" }))
        )
        expect(error._tag).toBe("InvalidArgument")
        expect(Double.counters().calls.msb_sandbox_log_stream ?? 0).toBe(before)
        expect((yield* Effect.flip(Stream.runDrain(sb.logStream({ afterCursor: "not a cursor" }))))._tag)
          .toBe(
            "InvalidArgument"
          )
      }))

    it.effect("follow delivers entries written after the stream started", () =>
      Effect.gen(function*() {
        const sb = yield* Box
        const seen: Array<string> = []
        const fiber = yield* sb.logStream({ follow: true, since: Date.now() }).pipe(
          Stream.runForEach((e) => Effect.sync(() => seen.push(e.text))),
          Effect.fork
        )
        expect(yield* Double.eventually(() => (Double.counters().in_flight.msb_log_recv ?? 0) === 1)).toBe(
          true
        )
        yield* sb.shell("echo written-later")
        expect(yield* Double.eventually(() => seen.includes("written-later\n"))).toBe(true)
        yield* Fiber.interrupt(fiber)
      }))

    it.effect("take(n) emits n entries and closes the native stream", () =>
      Effect.gen(function*() {
        const sb = yield* Box
        yield* sb.shell("for i in $(seq 1 50); do echo $i; done")
        const all = yield* sb.logs()
        const two = yield* collect(sb.logStream().pipe(Stream.take(2)))
        expect(texts(two)).toEqual(texts(all.slice(0, 2)))
        expect(Double.counters().handles.log).toBe(0)
      }))

    it.effect("entries taken in chunks arrive complete and in order", () =>
      Effect.gen(function*() {
        const sb = yield* Box
        yield* sb.shell("for i in $(seq 1 40); do echo q$i; done")
        const expected = texts(yield* sb.logs())
        const chunks = Chunk.toReadonlyArray(yield* Stream.runCollect(Stream.chunks(sb.logStream())))
        expect(chunks.flatMap((c) => texts(Chunk.toReadonlyArray(c)))).toEqual(expected)
      }))

    it.effect("interrupting a stream parked in a receive completes and leaves nothing open", () =>
      Effect.gen(function*() {
        const sb = yield* Box
        const fiber = yield* sb.logStream({ follow: true, since: Date.now() + 60_000 }).pipe(
          Stream.runDrain,
          Effect.fork
        )
        yield* Double.eventually(() => (Double.counters().in_flight.msb_log_recv ?? 0) === 1)
        expect(Double.counters().in_flight.msb_log_recv).toBe(1)
        // No entry is due for a minute: the interruption completes only by cancelling the
        // receive (its latency is measured in bench/threads.ts, not bounded here).
        expect(Exit.isInterrupted(yield* Fiber.interrupt(fiber))).toBe(true)
        const c = Double.counters()
        expect(c.handles.log).toBe(0)
        expect(c.in_flight.msb_log_recv ?? 0).toBe(0)
        expect(c.cancel_ids.registered).toBe(0)
      }))

    it.effect("a stream the runtime ends with an error mid-way resumes from the last cursor (opt-in)", () =>
      Effect.gen(function*() {
        const sb = yield* Box
        yield* sb.shell("for i in $(seq 1 12); do echo r$i; done")
        const expected = texts(yield* sb.logs())
        yield* Double.configure({ log_stream_error_after: 3 })
        const failed = yield* Effect.flip(collect(sb.logStream()))
        expect(failed._tag).toBe("Internal")
        const resumed = yield* collect(sb.logStream({ resume: { maxAttempts: 100 } }))
        yield* Double.configure({ log_stream_error_after: null })
        expect(texts(resumed)).toEqual(expected)
      }))

    it.effect("by name, without connecting, on a stopped sandbox; lines per source", () =>
      Effect.gen(function*() {
        yield* Effect.scoped(Effect.gen(function*() {
          const sb = yield* Sandbox.make("log-stopped", SandboxConfig.image("alpine"))
          yield* sb.shell("printf 'a1\\na'; printf 'b1\\n' >&2; printf '2\\na3' ")
        }))
        const handle = yield* Sandbox.get("log-stopped")
        expect(handle.status).toBe("stopped")
        expect((yield* handle.logs()).length).toBeGreaterThan(0)
        // Order holds within a source (not across sources); partial lines are joined.
        const lines = Chunk.toReadonlyArray(yield* handle.logStream().pipe(Logs.lines, Stream.runCollect))
        expect(lines.filter((l) => l.source === "stdout").map((l) => l.text)).toEqual(["a1", "a2", "a3"])
        expect(lines.filter((l) => l.source === "stderr").map((l) => l.text)).toEqual(["b1"])
        const stdout = yield* handle.logStream().pipe(Logs.linesOf("stdout"), Stream.runCollect)
        expect(Chunk.toReadonlyArray(stdout)).toEqual(["a1", "a2", "a3"])
        expect(
          (yield* Effect.flip(
            (yield* Sandbox.get("log-stopped")).pipe((h) => Sandbox.remove(h.name)).pipe(
              Effect.zipRight(handle.logs())
            )
          ))._tag
        ).toBe("SandboxNotFound")
      }))

    it.effect("256 follow streams parked at once do not starve a short call, and all close", () =>
      Effect.gen(function*() {
        const sb = yield* Box
        const fibers = yield* Effect.forEach(
          Array.from({ length: 256 }),
          () => sb.logStream({ follow: true, since: Date.now() + 60_000 }).pipe(Stream.runDrain, Effect.fork),
          { concurrency: "unbounded" }
        )
        yield* Double.eventually(() => (Double.counters().handles.log ?? 0) === 256)
        // The ping completes while all 256 streams are still parked (none can end: no entry
        // is due for a minute). Its latency next to them is measured in bench/threads.ts.
        yield* sb.ping
        const polls = yield* Effect.forEach(fibers, Fiber.poll)
        expect(polls.filter(Option.isNone).length).toBe(256)
        expect(Double.counters().handles.log).toBe(256)
        yield* Effect.forEach(fibers, Fiber.interrupt, { concurrency: "unbounded", discard: true })
        const c = Double.counters()
        expect(c.handles.log).toBe(0)
        expect(c.cancel_ids.registered).toBe(0)
      }))
  })
})
