// A sandbox that dies under a running command, malformed event documents, and the exec
// timeout under @effect/vitest's TestClock.
import { describe, expect, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { readFileSync } from "node:fs"
import * as Exec from "../../src/Exec.js"
import { parseEvent } from "../../src/internal/exec.js"
import { decodeDocument, decoderOf } from "../../src/internal/ffi/native.js"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as Double from "../support/double.js"

const alpine = SandboxConfig.image("alpine")

/** The pid of the double's VM process of a sandbox (its record). */
const vmPid = (name: string): number =>
  JSON.parse(readFileSync(`${process.env.MSB_HOME}/sandboxes/${name}/record.json`, "utf8")).pid

/** Runs a streamed command in the background, recording its events. */
const recordEvents = <E>(events: Stream.Stream<Exec.ExecEvent, E>) =>
  Effect.gen(function*() {
    const seen: Array<Exec.ExecEvent["_tag"]> = []
    const fiber = yield* events.pipe(
      Stream.runForEach((e) => Effect.sync(() => seen.push(e._tag))),
      Effect.fork
    )
    return { seen, fiber }
  })

describe("exec deaths", () => {
  layer(Double.layer(), { excludeTestServices: true })((it) => {
    it.scoped("a VM killed mid-exec fails execStream with SandboxLost (crashed), after the output it sent", () =>
      Effect.gen(function*() {
        const sb = yield* Sandbox.make("lost-kill9", alpine)
        const { fiber, seen } = yield* recordEvents(sb.shellStream("echo hi; exec sleep 30"))
        yield* Double.eventually(() => seen.includes("Stdout"))
        process.kill(vmPid("lost-kill9"), "SIGKILL")
        const error = yield* Effect.flip(Fiber.join(fiber))
        expect(seen).toEqual(["Started", "Stdout"])
        expect(error._tag).toBe("SandboxLost")
        if (error._tag === "SandboxLost") {
          expect(error.status).toBe("crashed")
          expect(error.sandbox).toBe("lost-kill9")
          expect(error.message).toContain("sandbox crashed")
        }
        expect(Double.counters().handles.exec ?? 0).toBe(0)
      }))

    it.scoped("a crash (abort) mid-exec: collected exec fails SandboxLost with the runtime's system lines", () =>
      Effect.gen(function*() {
        const sb = yield* Sandbox.make("lost-abort", alpine)
        yield* sb.fs.write("/tmp/go", "")
        const fiber = yield* Effect.fork(Effect.flip(sb.shell("rm go && exec sleep 30", { cwd: "/tmp" })))
        yield* Double.eventually(() => {
          try {
            readFileSync(`${Double.rootfs("lost-abort")}/tmp/go`)
            return false
          } catch {
            return true
          }
        })
        process.kill(vmPid("lost-abort"), "SIGABRT")
        const error = yield* Fiber.join(fiber)
        expect(error._tag).toBe("SandboxLost")
        if (error._tag === "SandboxLost") {
          expect(error.status).toBe("crashed")
          // The runtime's own account (its system log) is part of the message.
          expect(error.message).toContain("runtime: ")
        }
      }))

    it.scoped("wait and exitCode tell a lost sandbox from an exit and a signal", () =>
      Effect.gen(function*() {
        const sb = yield* Sandbox.make("lost-wait", alpine)
        const proc = yield* sb.spawn("sh", ["-c", "echo up; exec sleep 30"])
        const first = yield* proc.events.pipe(Stream.take(2), Stream.runCollect)
        expect([...first].map((e) => e._tag)).toEqual(["Started", "Stdout"])
        // Killed through the library from another handle. The runtime records `stopped`
        // once the VM is confirmed dead; a lookup in between sees a dead VM behind a
        // `running` row and records `crashed` (runtime-abi.md §7.2): either is terminal.
        yield* (yield* Sandbox.get("lost-wait")).kill()
        const status = yield* proc.wait
        expect(status._tag).toBe("Lost")
        if (status._tag === "Lost") expect(["stopped", "crashed"]).toContain(status.status)
      }))

    it.scoped("an unknown event fails the stream with MalformedResponse (not an end); the command is killed", () =>
      Effect.gen(function*() {
        const sb = yield* Sandbox.make("malformed-event", alpine)
        yield* Double.configure({ exec_inject_event: `{"event":"exploded","pid":1}` })
        const seen: Array<string> = []
        const error = yield* sb.execStream("sleep", ["30.71"]).pipe(
          Stream.runForEach((e) => Effect.sync(() => seen.push(e._tag))),
          Effect.flip,
          Effect.ensuring(Double.configure({ exec_inject_event: null }))
        )
        expect(seen).toEqual(["Started"])
        expect(error._tag).toBe("MalformedResponse")
        if (error._tag === "MalformedResponse") {
          expect([error.operation, error.raw]).toEqual(["Sandbox.execStream", `{"event":"exploded","pid":1}`])
        }
        expect(Double.counters().handles.exec ?? 0).toBe(0)
        const r = yield* sb.exec("sh", ["-c", "pgrep -f 'slee[p] 30.71' || true"])
        expect(r.stdout).toBe("")
      }))

    it.scoped("exitCode over a stream whose sandbox crashes is Lost", () =>
      Effect.gen(function*() {
        const sb = yield* Sandbox.make("lost-exitcode", alpine)
        const fiber = yield* Effect.fork(Exec.exitCode(sb.shellStream("exec sleep 30")))
        yield* Double.eventually(() => (Double.counters().in_flight.msb_exec_recv ?? 0) === 1)
        process.kill(vmPid("lost-exitcode"), "SIGKILL")
        const status = yield* Fiber.join(fiber)
        expect(status._tag).toBe("Lost")
        if (status._tag === "Lost") expect(status.status).toBe("crashed")
      }))
  })
})

describe("event documents", () => {
  const ctx = { operation: "Sandbox.execStream", sandbox: "box" }

  it("decodes every event the runtime sends", () => {
    expect(parseEvent(`{"event":"started","pid":7}`, ctx)).toEqual(
      Either.right(Exec.ExecEvent.Started({ pid: 7 }))
    )
    expect(parseEvent(`{"event":"exited","code":-1}`, ctx)).toEqual(
      Either.right(Exec.ExecEvent.Exited({ code: -1 }))
    )
    expect(parseEvent(`{"event":"done"}`, ctx)).toEqual(Either.right("done"))
    const failed = parseEvent(`{"event":"failed","error":{"message":"no payload"}}`, ctx)
    expect(
      Either.isRight(failed) && failed.right !== "done" && failed.right._tag === "Failed" &&
        failed.right.failure.kind
    )
      .toBe("other")
  })

  it("an unknown or malformed event is MalformedResponse with the operation and the raw text, never done", () => {
    for (
      const raw of [
        `{"event":"exploded"}`,
        `{"event":"exited","code":"zero"}`,
        `{"event":"stdout"}`,
        `not json`
      ]
    ) {
      const r = parseEvent(raw, ctx)
      expect(Either.isLeft(r)).toBe(true)
      if (Either.isLeft(r)) {
        expect(r.left._tag).toBe("MalformedResponse")
        expect([r.left.operation, r.left.sandbox, r.left.raw]).toEqual(["Sandbox.execStream", "box", raw])
      }
    }
    const huge = `{"event":"${"x".repeat(5000)}"}`
    const r = parseEvent(huge, ctx)
    if (Either.isLeft(r)) {
      expect(r.left.raw.length).toBeLessThan(600)
      expect(r.left.raw).toContain(`(${huge.length} chars)`)
    } else expect.fail("decoded a bogus event")
  })

  it("a decoder is compiled once per Schema", () => {
    const S = Schema.Struct({ a: Schema.Number })
    expect(decoderOf(S)).toBe(decoderOf(S))
    expect(decodeDocument(S, "msb_x", `{"a":1}`, ctx)).toEqual(Either.right({ a: 1 }))
  })
})

describe("exec timeout and the TestClock", () => {
  // it.effect runs with TestClock: time stands still unless the test adjusts it.
  it.effect("a collected exec's timeout fires on the live clock", () =>
    Effect.scoped(Effect.gen(function*() {
      const sb = yield* Sandbox.make("timeout-testclock", alpine)
      const error = yield* Effect.flip(sb.exec("sleep", ["30.73"], { timeout: "100 millis" }))
      expect(error._tag).toBe("ExecTimeout")
      // The command was killed.
      const r = yield* sb.exec("sh", ["-c", "pgrep -f 'slee[p] 30.73' || true"])
      expect(r.stdout).toBe("")
    })).pipe(Effect.provide(Double.layer())))
})
