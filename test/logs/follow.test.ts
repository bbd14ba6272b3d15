// What a following log stream does when its sandbox stops, restarts or is removed, and
// how Logs.lines decodes UTF-8 across entries.
import { describe, expect, it, layer } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { readFileSync } from "node:fs"
import * as Logs from "../../src/Logs.js"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as Double from "../support/double.js"

const alpine = SandboxConfig.image("alpine")

const entry = (source: Logs.LogSource, bytes: ReadonlyArray<number>, cursor: string) =>
  new Logs.LogEntry({
    source,
    sessionId: Option.none(),
    timestamp: new Date(0),
    data: Uint8Array.from(bytes),
    cursor
  })
const utf8 = (s: string) => [...new TextEncoder().encode(s)]

describe("Logs.lines", () => {
  it.effect("a UTF-8 character split across two entries of a source is decoded whole", () =>
    Effect.gen(function*() {
      const e = utf8("é") // 0xC3 0xA9
      const lines = yield* Stream.make(
        entry("stdout", [...utf8("h"), e[0]!], "1"),
        entry("stderr", [...utf8("x"), 0xe2, 0x82], "2"), // "€" split three ways
        entry("stdout", [e[1]!, ...utf8("llo\nw")], "3"),
        entry("stderr", [0xac, ...utf8("\n")], "4"),
        entry("stdout", [...utf8("orld"), 0xf0, 0x9f], "5") // an incomplete character at the end
      ).pipe(Logs.lines, Stream.runCollect)
      expect(Chunk.toReadonlyArray(lines).map((l) => `${l.source}:${l.text}`)).toEqual([
        "stdout:héllo",
        "stderr:x€",
        "stdout:world\uFFFD"
      ])
    }))
})

describe("follow", () => {
  layer(Double.layer(), { excludeTestServices: true })((it) => {
    it.scoped("follow: true stays open across a stop and delivers the entries of a restart", () =>
      Effect.gen(function*() {
        const texts: Array<string> = []
        yield* Effect.scoped(Effect.gen(function*() {
          const sb = yield* Sandbox.make("follow-restart", alpine)
          yield* sb.shell("echo before")
        }))
        expect(yield* Double.status("follow-restart")).toBe("stopped")
        const handle = yield* Sandbox.get("follow-restart")
        const fiber = yield* handle.logStream({ follow: true }).pipe(
          Stream.runForEach((e) => Effect.sync(() => texts.push(e.text))),
          Effect.fork
        )
        yield* Double.eventually(() => texts.length === 1)
        yield* Effect.scoped(Effect.gen(function*() {
          const again = yield* Sandbox.start("follow-restart")
          yield* again.shell("echo after")
          yield* Double.eventually(() => texts.length === 2)
        }))
        expect(yield* Double.status("follow-restart")).toBe("stopped")
        // Still open after the second stop; the entries arrived in order, once each.
        expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
        expect(texts).toEqual(["before\n", "after\n"])
        yield* Fiber.interrupt(fiber)
        expect(Double.counters().handles.log ?? 0).toBe(0)
      }))

    it.scoped("follow: untilStopped delivers everything written up to the stop, once, then ends", () =>
      Effect.gen(function*() {
        const sb = yield* Sandbox.make("follow-until-stop", alpine)
        const texts: Array<string> = []
        const fiber = yield* sb.logStream({ follow: "untilStopped" }).pipe(
          Logs.linesOf("stdout"),
          Stream.runForEach((t) => Effect.sync(() => texts.push(t))),
          Effect.fork
        )
        yield* sb.shell("echo first")
        yield* Double.eventually(() => texts.length === 1)
        // Written just before the stop: not yet read by the follow stream when it ends.
        yield* sb.shell("seq 1 300")
        yield* sb.stop()
        yield* Fiber.join(fiber)
        expect(texts).toEqual(["first", ...Array.from({ length: 300 }, (_, i) => String(i + 1))])
        expect(Double.counters().handles.log ?? 0).toBe(0)
      }))

    it.scoped("follow: untilStopped on a sandbox that crashes ends after its history", () =>
      Effect.gen(function*() {
        const sb = yield* Sandbox.make("follow-crash", alpine)
        yield* sb.shell("echo one; echo two")
        const fiber = yield* sb.logStream({ follow: "untilStopped" }).pipe(
          Logs.linesOf("stdout"),
          Stream.runCollect,
          Effect.fork
        )
        yield* Double.eventually(() => (Double.counters().in_flight.msb_log_recv ?? 0) === 1)
        const pid = JSON.parse(
          readFileSync(`${process.env.MSB_HOME}/sandboxes/follow-crash/record.json`, "utf8")
        ).pid as number
        process.kill(pid, "SIGKILL")
        expect(Chunk.toReadonlyArray(yield* Fiber.join(fiber))).toEqual(["one", "two"])
        expect(yield* Double.status("follow-crash")).toBe("crashed")
      }))

    it.scoped("follow: untilStopped ends when the sandbox is removed (an ephemeral one, at its stop)", () =>
      Effect.gen(function*() {
        const sb = yield* Sandbox.make("follow-ephemeral", alpine, SandboxConfig.ephemeral())
        yield* sb.shell("echo gone-soon")
        const handle = yield* Sandbox.get("follow-ephemeral")
        const texts: Array<string> = []
        const fiber = yield* handle.logStream({ follow: "untilStopped" }).pipe(
          Stream.runForEach((e) => Effect.sync(() => texts.push(e.text))),
          Effect.fork
        )
        yield* Double.eventually(() => texts.length === 1)
        yield* sb.stop()
        expect(yield* Double.status("follow-ephemeral")).toBe("gone")
        yield* Fiber.join(fiber)
        expect(texts).toEqual(["gone-soon\n"])
      }))
  })
})
