/**
 * One scenario of the thread benchmark (bench/run.ts starts one process per mode, since
 * UV_THREADPOOL_SIZE only counts at process start). Prints one JSON line per phase:
 * event-loop delay p99, fs.promises.readFile latency and a short native call's latency,
 * with 0 and with N parked receives, and (library mode) with N live log streams; and
 * (library mode) how long interrupting the N parked receives, interrupting the N log
 * streams, and a stop with N receives parked on it take (the latencies the tests assert
 * only as orderings).
 *
 *   MODE=library|naive MSB_HOME=... MICROSANDBOX_FFI_PATH=... tsx bench/threads.ts
 */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import koffi from "koffi"
import { readFile, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { monitorEventLoopDelay } from "node:perf_hooks"
import * as Microsandbox from "../src/Microsandbox.js"

const mode = process.env.MODE ?? "library"
const parked = Number(process.env.PARKED ?? "256")
const libraryPath = process.env.MICROSANDBOX_FFI_PATH!
const probeTimeoutMs = 2000
const samples = 40

const quantile = (xs: Array<number>, q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN
}

const withTimeout = <A>(p: Promise<A>): Promise<number> => {
  const t = performance.now()
  return Promise.race([
    p.then(() => performance.now() - t, () => NaN),
    new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), probeTimeoutMs))
  ])
}

interface Probes {
  readonly short: () => Promise<unknown>
}

const measure = async (phase: string, probes: Probes, file: string) => {
  const h = monitorEventLoopDelay({ resolution: 5 })
  h.enable()
  const fs: Array<number> = []
  const short: Array<number> = []
  for (let i = 0; i < samples; i++) {
    fs.push(await withTimeout(readFile(file)))
    short.push(await withTimeout(probes.short()))
    if (fs.at(-1) === Infinity || short.at(-1) === Infinity) break
    await new Promise((r) => setTimeout(r, 5))
  }
  h.disable()
  const ms = (v: number) => (Number.isFinite(v) ? v : "starved")
  process.stdout.write(
    JSON.stringify({
      mode,
      uvPool: Number(process.env.UV_THREADPOOL_SIZE ?? "4"),
      phase,
      loopP99Ms: h.percentile(99) / 1e6,
      fsP50Ms: ms(quantile(fs, 0.5)),
      fsP99Ms: ms(quantile(fs, 0.99)),
      shortP50Ms: ms(quantile(short, 0.5)),
      shortP99Ms: ms(quantile(short, 0.99)),
      rssMiB: Math.round(process.memoryUsage().rss / 1048576)
    }) + "\n"
  )
}

/** One row of a latency the tests leave to the bench (ms). */
const latency = (phase: string, column: "interruptMs" | "stopMs", ms: number) =>
  process.stdout.write(
    JSON.stringify({ mode, uvPool: Number(process.env.UV_THREADPOOL_SIZE ?? "4"), phase, [column]: ms }) +
      "\n"
  )
const timed = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const t = performance.now()
    yield* self
    return performance.now() - t
  })

const file = join(tmpdir(), `msb-bench-${process.pid}`)
await writeFile(file, "x".repeat(64 * 1024))

if (mode === "naive") {
  // Every blocking call through koffi's async mode on libuv's pool, no executor.
  // (koffi caps running + queued async calls at 256 by default; raise it so that the
  // 256 parked receives and the probes can all be issued.)
  koffi.config({ ...koffi.config(), max_async_calls: 1024 })
  const lib = koffi.load(libraryPath)
  const alloc = lib.func("uint64_t msb_cancel_alloc()")
  const trigger = lib.func("void msb_cancel_trigger(uint64_t id)")
  const free = lib.func("void msb_free_string(void * p)")
  const create = lib.func(
    "void * msb_sandbox_create(uint64_t, const char *, const char *, uint8_t *, uintptr_t)"
  )
  const lookup = lib.func("void * msb_sandbox_lookup(uint64_t, const char *, uint8_t *, uintptr_t)")
  const wait = lib.func(
    "void * msb_sandbox_handle_wait_until_stopped(uint64_t, const char *, uint8_t *, uintptr_t)"
  )
  const kill = lib.func(
    "void * msb_sandbox_handle_kill(uint64_t, const char *, uint64_t, uint8_t *, uintptr_t)"
  )
  const keep: Array<Buffer> = []
  const asyncCall = (f: ReturnType<ReturnType<typeof koffi.load>["func"]>, ...args: Array<unknown>) =>
    new Promise<void>((resolve) => {
      const buf = Buffer.alloc(1 << 20)
      keep.push(buf)
      f.async(...args, buf, buf.length, (_e: unknown, p: unknown) => {
        if (p) free(p)
        resolve()
      })
    })
  await asyncCall(create, alloc(), "bench", JSON.stringify({ image: "alpine" }))
  const probes = { short: () => asyncCall(lookup, alloc(), "bench") }
  await measure("idle", probes, file)
  const ids = Array.from({ length: parked }, () => alloc())
  const waits = ids.map((id) => asyncCall(wait, id, "bench"))
  await new Promise((r) => setTimeout(r, 300))
  await measure(`parked ${parked}`, probes, file)
  for (const id of ids) trigger(id)
  await Promise.all(waits)
  await asyncCall(kill, alloc(), "bench", 5000)
  process.exit(0)
} else {
  const program = Effect.gen(function*() {
    const m = yield* Microsandbox.Microsandbox
    const n = m.native
    const created = JSON.parse(
      yield* n.call("msb_sandbox_create", ["bench", JSON.stringify({ image: "alpine" })])
    )
    const handle = BigInt(created.handle)
    const probes = { short: () => Effect.runPromise(n.call("msb_sandbox_lookup", ["bench"])) }
    yield* Effect.promise(() => measure("idle", probes, file))

    // 256 receives parked on a wait that only returns when the sandbox stops.
    const waits = yield* Effect.forEach(
      Array.from({ length: parked }),
      () => Effect.fork(n.call("msb_sandbox_handle_wait_until_stopped", ["bench"])),
      { concurrency: "unbounded" }
    )
    yield* Effect.sleep("300 millis")
    yield* Effect.promise(() => measure(`parked ${parked}`, probes, file))
    latency(
      `interrupt ${parked} parked`,
      "interruptMs",
      yield* timed(Effect.forEach(waits, Fiber.interrupt, { concurrency: "unbounded", discard: true }))
    )

    // 256 live log streams: following, while a command in the sandbox writes a line
    // every 50 ms that every stream receives.
    let received = 0
    const streams = yield* Effect.forEach(
      Array.from({ length: parked }),
      () =>
        Effect.fork(Effect.gen(function*() {
          const s = JSON.parse(
            yield* n.call("msb_sandbox_handle_log_stream", [
              "bench",
              JSON.stringify({ follow: true, since_ms: Date.now() })
            ])
          )
          const h = BigInt(s.stream_handle)
          yield* Effect.ensuring(
            Effect.forever(Effect.tap(n.call("msb_log_recv", [h]), () => Effect.sync(() => received++))),
            Effect.ignore(n.call("msb_log_close", [h]))
          )
        })),
      { concurrency: "unbounded" }
    )
    const ticker = JSON.parse(
      yield* n.call("msb_sandbox_exec_stream", [
        handle,
        "sh",
        JSON.stringify({ args: ["-c", "while :; do echo tick; sleep 0.05; done"] })
      ])
    )
    yield* Effect.sleep("500 millis")
    const before = received
    yield* Effect.promise(() => measure(`${parked} live log streams`, probes, file))
    process.stderr.write(`log entries delivered during the live phase: ${received - before}\n`)
    latency(
      `interrupt ${parked} log streams`,
      "interruptMs",
      yield* timed(Effect.forEach(streams, Fiber.interrupt, { concurrency: "unbounded", discard: true }))
    )
    yield* n.call("msb_exec_kill", [BigInt(ticker.exec_handle)])
    yield* n.call("msb_exec_close", [BigInt(ticker.exec_handle)])

    // A stop (a long call) with N receives parked on it: it must not queue behind them.
    const stopWaits = yield* Effect.forEach(
      Array.from({ length: parked }),
      () => Effect.fork(n.call("msb_sandbox_handle_wait_until_stopped", ["bench"])),
      { concurrency: "unbounded" }
    )
    yield* Effect.sleep("300 millis")
    latency(`stop with ${parked} parked`, "stopMs", yield* timed(n.call("msb_sandbox_stop", [handle, 5000n])))
    yield* Effect.forEach(stopWaits, Fiber.join, { concurrency: "unbounded", discard: true })
    yield* n.call("msb_sandbox_close", [handle])
  })
  await Effect.runPromise(program.pipe(Effect.provide(Microsandbox.layer({ libraryPath }))))
}
