import { describe, expect, layer } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { existsSync } from "node:fs"
import * as Exec from "../../src/Exec.js"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as Double from "../support/double.js"

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
const pidOf = (events: ReadonlyArray<Exec.ExecEvent>) => {
  const started = events.find((e) => e._tag === "Started")
  if (started?._tag !== "Started") throw new Error("no Started event")
  return started.pid
}

// One sandbox for the whole suite, provided as a Layer.
class Box extends Context.Tag("test/Box")<Box, Sandbox.Sandbox>() {}
const BoxLive = Sandbox.layer(
  Box,
  "exec-box",
  SandboxConfig.image("alpine"),
  SandboxConfig.env({ GREETING: "hello" })
)

describe("exec", () => {
  layer(Layer.provideMerge(BoxLive, Double.layer()), { excludeTestServices: true })((it) => {
    const box = Box

    it.scoped("exit codes are values; orFail turns a non-zero exit into NonZeroExit", () =>
      Effect.gen(function*() {
        const sb = yield* box
        const ok = yield* sb.exec("true")
        expect([ok.exitCode, ok.success]).toEqual([0, true])
        const three = yield* sb.exec("sh", ["-c", "echo oops >&2; exit 3"])
        expect([three.exitCode, three.success, three.stderr]).toEqual([3, false, "oops\n"])
        expect(three.status).toEqual(Exec.ExitStatus.Exited({ code: 3 }))
        const signaled = yield* sb.exec("sh", ["-c", "kill -9 $$"])
        expect([signaled.exitCode, signaled.status]).toEqual([
          -1,
          Exec.ExitStatus.Signaled({ signal: Option.none() })
        ])
        const error = yield* Effect.flip(sb.exec("sh", ["-c", "echo bad >&2; exit 4"]).pipe(Exec.orFail))
        expect(error._tag).toBe("NonZeroExit")
        if (error._tag === "NonZeroExit") expect([error.exitCode, error.stderr]).toEqual([4, "bad\n"])
      }))

    it.scoped("stdout and stderr are kept apart, as text and as bytes", () =>
      Effect.gen(function*() {
        const sb = yield* box
        const r = yield* sb.shell("echo out; echo err >&2; echo out2")
        expect(r.stdout).toBe("out\nout2\n")
        expect(r.stderr).toBe("err\n")
        expect(Array.from(r.stdoutBytes.subarray(0, 3))).toEqual([111, 117, 116])
      }))

    it.scoped("binary output arrives byte for byte", () =>
      Effect.gen(function*() {
        const sb = yield* box
        const all = Uint8Array.from({ length: 256 }, (_, i) => i)
        yield* sb.fs.write("/tmp/bytes.bin", all)
        const r = yield* sb.exec("cat", ["bytes.bin"], { cwd: "/tmp" })
        expect(Array.from(r.stdoutBytes)).toEqual(Array.from(all))
      }))

    it.scoped(
      "100 MB of stdout streams through without the process's memory growing with it",
      () =>
        Effect.gen(function*() {
          const sb = yield* box
          const gc = (globalThis as { gc?: () => void }).gc
          if (!gc) throw new Error("run with --expose-gc (vitest.config.ts sets it)")
          // Live memory (after a full collection): JS heap plus ArrayBuffers outside it.
          const live = () => {
            gc()
            const m = process.memoryUsage()
            return m.heapUsed + m.arrayBuffers
          }
          const total = 100 * 1024 * 1024
          const base = live()
          let peak = 0
          let n = 0
          const bytes = yield* sb.execStream("head", ["-c", String(total), "/dev/zero"]).pipe(
            Exec.stdout,
            Stream.runFold(0, (acc, chunk) => {
              if (++n % 2000 === 0) peak = Math.max(peak, live() - base)
              return acc + chunk.length
            })
          )
          expect(bytes).toBe(total)
          // Retaining the output would hold 100 MB (and more as base64 text).
          expect(peak).toBeLessThan(16 * 1024 * 1024)
        }),
      { timeout: 180_000 }
    )

    it.scoped("stdin round trip: a string, a Stream, and a spawned process's sink", () =>
      Effect.gen(function*() {
        const sb = yield* box
        expect((yield* sb.exec("cat", [], { stdin: "hello stdin" })).stdout).toBe("hello stdin")
        const big = new Uint8Array(1_500_000).map((_, i) => i % 251)
        const fromStream = yield* sb.exec("cat", [], {
          stdin: Stream.fromIterable([big.subarray(0, 500_000), new Uint8Array(0), big.subarray(500_000)])
        })
        expect(Buffer.compare(Buffer.from(fromStream.stdoutBytes), Buffer.from(big))).toBe(0)
        const proc = yield* sb.spawn("wc", ["-c"], { stdinPipe: true })
        yield* Stream.make(new TextEncoder().encode("12345"), new TextEncoder().encode("678")).pipe(
          Stream.run(proc.stdin)
        )
        const counted = yield* proc.collect
        expect(counted.stdout.trim()).toBe("8")
      }))

    it.scoped("a timeout is ExecTimeout and the command is killed", () =>
      Effect.gen(function*() {
        const sb = yield* box
        const before = Double.counters().handles.exec ?? 0
        const error = yield* Effect.flip(sb.exec("sh", ["-c", "sleep 30.51"], { timeout: "300 millis" }))
        expect(error._tag).toBe("ExecTimeout")
        expect(Double.counters().handles.exec ?? 0).toBe(before)
        const r = yield* sb.exec("sh", ["-c", "pgrep -f 'slee[p] 30.51' || true"])
        expect(r.stdout).toBe("")
      }))

    it.scoped("signal and kill a running command: wait tells the signal it was sent", () =>
      Effect.gen(function*() {
        const sb = yield* box
        const term = yield* sb.spawn("sleep", ["30"])
        const first = yield* Stream.take(term.events, 1).pipe(Stream.runCollect)
        const pid = pidOf(Chunk.toReadonlyArray(first))
        yield* term.signal(15)
        expect(yield* term.wait).toEqual(Exec.ExitStatus.Signaled({ signal: Option.some(15) }))
        expect(alive(pid)).toBe(false)
        const killed = yield* sb.spawn("sleep", ["30"])
        yield* killed.kill
        expect(yield* killed.wait).toEqual(Exec.ExitStatus.Signaled({ signal: Option.some(9) }))
        // A signal death this process did not cause is a signal too, of unknown number.
        const other = yield* sb.spawn("sh", ["-c", "kill -9 $$"])
        expect(yield* other.wait).toEqual(Exec.ExitStatus.Signaled({ signal: Option.none() }))
        expect(yield* (yield* sb.spawn("sh", ["-c", "exit 3"])).wait).toEqual(
          Exec.ExitStatus.Exited({ code: 3 })
        )
        const id = yield* (yield* sb.spawn("true")).id
        expect(id).toMatch(/^\d+$/)
      }))

    it.scoped("interrupting a stream kills the command and closes its handle (unless opted out)", () =>
      Effect.gen(function*() {
        const sb = yield* box
        const before = Double.counters().handles.exec ?? 0
        const taken = yield* sb.shellStream("echo started; exec sleep 30").pipe(
          Stream.take(2),
          Stream.runCollect
        )
        const pid = pidOf(Chunk.toReadonlyArray(taken))
        expect(Double.counters().handles.exec ?? 0).toBe(before)
        expect(yield* Double.eventually(() => !alive(pid))).toBe(true)

        // Interrupting the fiber that consumes the stream does the same.
        const events: Array<Exec.ExecEvent> = []
        const fiber = yield* sb.execStream("sleep", ["30"]).pipe(
          Stream.runForEach((e) => Effect.sync(() => events.push(e))),
          Effect.fork
        )
        yield* Double.eventually(() => events.length > 0)
        yield* Fiber.interrupt(fiber)
        expect(yield* Double.eventually(() => !alive(pidOf(events)))).toBe(true)
        expect(Double.counters().handles.exec ?? 0).toBe(before)

        const kept = yield* sb.execStream("sleep", ["30"], { killOnInterrupt: false }).pipe(
          Stream.take(1),
          Stream.runCollect
        )
        const keptPid = pidOf(Chunk.toReadonlyArray(kept))
        expect(alive(keptPid)).toBe(true)
        expect(Double.counters().handles.exec ?? 0).toBe(before)
        process.kill(keptPid, "SIGKILL")
      }))

    it.scoped("a spawned process's events: take(n) takes n, the rest stays for the next consumer", () =>
      Effect.gen(function*() {
        const sb = yield* box
        const proc = yield* sb.spawn("sh", ["-c", "yes | head -n 100000"])
        const taken = Chunk.toReadonlyArray(yield* proc.events.pipe(Stream.take(5), Stream.runCollect))
        expect(taken.length).toBe(5)
        const early = taken.reduce((n, e) => n + (e._tag === "Stdout" ? e.data.length : 0), 0)
        // Events received with those five but not taken are not lost: collect gets them.
        const rest = yield* proc.collect
        expect(early + rest.stdoutBytes.length).toBe(200000)
        expect(rest.exitCode).toBe(0)
        // What was not pulled is still queued: a process's events resume where they stopped.
        const three = yield* sb.spawn("sh", ["-c", "seq 1 3"])
        const head = yield* three.events.pipe(Stream.take(1), Stream.runCollect)
        expect(Chunk.toReadonlyArray(head).map((e) => e._tag)).toEqual(["Started"])
        expect((yield* three.collect).stdout).toBe("1\n2\n3\n")
      }))

    it.scoped("an owned stream takes every event already queued in one pull, in order", () =>
      Effect.gen(function*() {
        const sb = yield* box
        const marker = `${Double.rootfs("exec-box")}/queued-marker`
        const pull = yield* Stream.toPull(
          sb.shellStream("seq 1 20000; touch queued-marker; exec sleep 30", { cwd: "/" }).pipe(Stream.chunks)
        )
        const sizes: Array<number> = []
        const tags: Array<string> = []
        let out = ""
        const take = (chunks: Chunk.Chunk<Chunk.Chunk<Exec.ExecEvent>>) => {
          for (const chunk of chunks) {
            sizes.push(Chunk.size(chunk))
            for (const e of chunk) {
              tags.push(e._tag)
              if (e._tag === "Stdout") out += new TextDecoder().decode(e.data)
            }
          }
        }
        take(yield* pull)
        yield* Double.eventually(() => existsSync(marker))
        while (out.length < 108894) take(yield* pull)
        expect(tags[0]).toBe("Started")
        expect(out).toBe(Array.from({ length: 20000 }, (_, i) => `${i + 1}\n`).join(""))
        expect(Math.max(...sizes)).toBeGreaterThan(1)
      }))

    it.scoped("64 concurrent execs in one sandbox", () =>
      Effect.gen(function*() {
        const sb = yield* box
        const results = yield* Effect.forEach(
          Array.from({ length: 64 }, (_, i) => i),
          (i) => sb.shell(`sleep 0.0${i % 10}; echo ${i}`),
          { concurrency: 64 }
        )
        expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 64 }, (_, i) => `${i}\n`))
      }))

    it.scoped("events arrive in order: Started, output, Exited", () =>
      Effect.gen(function*() {
        const sb = yield* box
        const events = Chunk.toReadonlyArray(
          yield* Stream.runCollect(sb.shellStream("echo a; echo b >&2; exit 2"))
        )
        expect(events[0]?._tag).toBe("Started")
        expect(events.at(-1)).toEqual(Exec.ExecEvent.Exited({ code: 2 }))
        expect(events.filter((e) => e._tag === "Stdout" || e._tag === "Stderr").map((e) => e._tag).sort())
          .toEqual([
            "Stderr",
            "Stdout"
          ])
        const lines = yield* sb.shellStream("echo x; echo y >&2; echo z").pipe(
          Exec.lines("stdout"),
          Stream.runCollect
        )
        expect(Chunk.toReadonlyArray(lines)).toEqual(["x", "z"])
        const errLines = yield* sb.shellStream("echo y >&2").pipe(Exec.stderrLines, Stream.runCollect)
        expect(Chunk.toReadonlyArray(errLines)).toEqual(["y"])
        expect(yield* Exec.exitCode(sb.execStream("sh", ["-c", "exit 9"]))).toEqual(
          Exec.ExitStatus.Exited({ code: 9 })
        )
        const notStarted = yield* Exec.exitCode(sb.execStream("/no/such/program"))
        expect(notStarted._tag).toBe("NotStarted")
      }))

    it.scoped("a command that cannot start is ExecFailed (or a Failed event when streamed)", () =>
      Effect.gen(function*() {
        const sb = yield* box
        const error = yield* Effect.flip(sb.exec("/no/such/program"))
        expect(error._tag).toBe("ExecFailed")
        if (error._tag === "ExecFailed") expect(error.reason).toBe("not_found")
        const events = Chunk.toReadonlyArray(yield* Stream.runCollect(sb.execStream("/no/such/program")))
        expect(events.map((e) => e._tag)).toEqual(["Failed"])
        const bad = yield* Effect.flip(sb.exec("ls", [], { cwd: "relative" }))
        expect(bad._tag).toBe("InvalidArgument")
      }))

    it.scoped("per-call options: env, cwd, tty, resize, rlimits", () =>
      Effect.gen(function*() {
        const sb = yield* box
        expect((yield* sb.exec("printenv", ["GREETING"])).stdout).toBe("hello\n")
        expect((yield* sb.exec("printenv", ["ONE"], { env: { ONE: "1" } })).stdout).toBe("1\n")
        yield* sb.fs.mkdir("/work/dir")
        yield* sb.fs.write("/work/dir/marker", "")
        expect((yield* sb.exec("ls", [], { cwd: "/work/dir" })).stdout).toBe("marker\n")
        expect((yield* sb.exec("tty", [], { tty: true })).stdout).toMatch(/^\/dev\/pts\/\d+/)
        const proc = yield* sb.spawn("sh", ["-c", "read line; stty size"], { tty: true, stdinPipe: true })
        yield* proc.resize(40, 100)
        yield* proc.write("go\n")
        const sized = yield* proc.collect
        expect(sized.stdout).toContain("40 100")
        expect((yield* sb.exec("sh", ["-c", "ulimit -n"], { rlimits: { nofile: 64 } })).stdout).toBe("64\n")
        expect((yield* sb.exec("sh", ["-c", "ulimit -H -n"], { rlimits: { nofile: [32, 128] } })).stdout)
          .toBe("128\n")
      }))

    it.effect("the image's default command, and the configured shell", () =>
      Effect.scoped(Effect.gen(function*() {
        const withCmd = yield* Sandbox.make(
          "default-cmd",
          SandboxConfig.image("alpine"),
          SandboxConfig.entrypoint("echo"),
          SandboxConfig.cmd("from", "default"),
          SandboxConfig.shell("/bin/bash")
        )
        expect((yield* withCmd.execDefault()).stdout).toBe("from default\n")
        expect((yield* withCmd.execDefault({ args: ["plus"] })).stdout).toBe("from default plus\n")
        const streamed = yield* withCmd.execDefaultStream().pipe(Exec.stdoutLines, Stream.runCollect)
        expect(Chunk.toReadonlyArray(streamed)).toEqual(["from default"])
        expect((yield* withCmd.shell("echo $BASH_VERSION")).stdout.length).toBeGreaterThan(1)
        const none = yield* Sandbox.make("no-default", SandboxConfig.image("alpine"))
        expect((yield* Effect.flip(none.execDefault()))._tag).toBe("NoDefaultCommand")
      })))

    it.effect("exec, shell and execStream work data-first and piped", () =>
      Effect.gen(function*() {
        const sb = yield* Box
        expect((yield* sb.pipe(Sandbox.exec("echo", ["piped"]))).stdout).toBe("piped\n")
        expect((yield* Sandbox.exec(sb, "echo", ["direct"])).stdout).toBe("direct\n")
        expect((yield* sb.pipe(Sandbox.shell("echo $((1 + 2))"))).stdout).toBe("3\n")
        const lines = yield* sb.pipe(Sandbox.execStream("echo", ["s"]), Exec.stdoutLines, Stream.runCollect)
        expect(Chunk.toReadonlyArray(lines)).toEqual(["s"])
      }))
  })
})
