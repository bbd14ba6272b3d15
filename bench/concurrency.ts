/**
 * N concurrent creates, then N concurrent stops: through the library with its default
 * settings, or (MODE=raw) through koffi's async calls with one libuv thread per create
 * (run with UV_THREADPOOL_SIZE >= N). Prints one JSON line per phase, with the most
 * calls the double saw in flight at once.
 *
 *   MODE=library|raw N=100 MSB_HOME=... MICROSANDBOX_FFI_PATH=... tsx bench/concurrency.ts
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"
import * as Scope from "effect/Scope"
import koffi from "koffi"
import * as Microsandbox from "../src/Microsandbox.js"
import * as Sandbox from "../src/Sandbox.js"
import * as SandboxConfig from "../src/SandboxConfig.js"

const mode = process.env.MODE ?? "library"
const n = Number(process.env.N ?? "100")
const libraryPath = process.env.MICROSANDBOX_FFI_PATH!
const prefix = `conc-${process.pid}`

const lib = koffi.load(libraryPath)
const free = lib.func("void msb_free_string(void * p)")
const controlFn = lib.func("void * msbd_control(const char *, uint8_t *, uintptr_t)")
const control = (request: Record<string, unknown>) => {
  const buf = Buffer.alloc(1 << 20)
  const p = controlFn(JSON.stringify(request), buf, buf.length)
  if (p) free(p)
  return JSON.parse(buf.toString("utf8", 0, buf.indexOf(0)))
}
const maxInFlight = (fn: string): number => control({ op: "counters" }).max_in_flight[fn] ?? 0

let cpu = process.cpuUsage()
const report = (phase: string, fn: string, ms: number, extra: Record<string, unknown> = {}) => {
  const used = process.cpuUsage(cpu)
  cpu = process.cpuUsage()
  const calls = control({ op: "counters" }).calls as Record<string, number>
  process.stdout.write(
    JSON.stringify({
      mode,
      phase,
      sandboxes: n,
      ms,
      maxInFlight: maxInFlight(fn),
      cpuMs: Math.round((used.user + used.system) / 1000),
      rssMiB: Math.round(process.memoryUsage().rss / 1048576),
      ...extra
    }) + "\n"
  )
  if (process.env.CALLS) process.stderr.write(JSON.stringify(calls) + "\n")
}

if (mode === "raw") {
  const alloc = lib.func("uint64_t msb_cancel_alloc()")
  const unregister = lib.func("void msb_cancel_unregister(uint64_t)")
  const create = lib.func(
    "void * msb_sandbox_create(uint64_t, const char *, const char *, uint8_t *, uintptr_t)"
  )
  const stop = lib.func("void * msb_sandbox_stop(uint64_t, uint64_t, uint64_t, uint8_t *, uintptr_t)")
  const close = lib.func("void * msb_sandbox_close(uint64_t, uint64_t, uint8_t *, uintptr_t)")
  const call = (f: ReturnType<typeof lib.func>, ...args: Array<unknown>) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const buf = Buffer.alloc(64 * 1024)
      const cid = alloc()
      f.async(cid, ...args, buf, buf.length, (e: unknown, p: unknown) => {
        unregister(cid)
        if (e) return reject(e)
        if (p) {
          const text = koffi.decode(p, "char", -1)
          free(p)
          return reject(new Error(String(text)))
        }
        resolve(JSON.parse(buf.toString("utf8", 0, buf.indexOf(0))))
      })
    })
  for (const round of ["cold", "warm"]) {
    const names = Array.from({ length: n }, (_, i) => `${prefix}-${round}-${i}`)
    control({ op: "reset_max_in_flight" })
    cpu = process.cpuUsage()
    let t = performance.now()
    const handles = await Promise.all(
      names.map((name) =>
        call(create, name, JSON.stringify({ image: "alpine" })).then((r) => BigInt(r.handle as number))
      )
    )
    report(`create (${round})`, "msb_sandbox_create", performance.now() - t)
    control({ op: "reset_max_in_flight" })
    t = performance.now()
    await Promise.all(handles.map((h) => call(stop, h, 10_000n)))
    report(`stop (${round})`, "msb_sandbox_stop", performance.now() - t)
    await Promise.all(handles.map((h) => call(close, h)))
  }
} else {
  const warnings: Array<string> = []
  const logger = Logger.make(({ logLevel, message }) => {
    if (logLevel._tag === "Warning") warnings.push(String(message))
  })
  const program = Effect.gen(function*() {
    const run = (round: string) =>
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        control({ op: "reset_max_in_flight" })
        cpu = process.cpuUsage()
        let t = performance.now()
        const sandboxes = yield* Effect.forEach(
          Array.from({ length: n }, (_, i) => `${prefix}-${round}-${i}`),
          (name) => Sandbox.make(name, SandboxConfig.image("alpine")).pipe(Scope.extend(scope)),
          { concurrency: "unbounded" }
        )
        const m = yield* Microsandbox.Microsandbox
        report(`create (${round})`, "msb_sandbox_create", performance.now() - t, {
          lanes: m.native.executor.stats().workers
        })
        control({ op: "reset_max_in_flight" })
        t = performance.now()
        yield* Effect.forEach(sandboxes, (s) => s.stop(), { concurrency: "unbounded", discard: true })
        report(`stop (${round})`, "msb_sandbox_stop", performance.now() - t, {
          lanes: m.native.executor.stats().workers,
          warnings: warnings.length
        })
        for (const w of warnings) process.stderr.write(`warning: ${w}\n`)
        yield* Scope.close(scope, Exit.void)
      })
    // Cold: no lane started yet; warm: the lanes of the first round are still up.
    yield* run("cold")
    yield* run("warm")
  })
  await Effect.runPromise(
    program.pipe(
      Effect.provide(Microsandbox.layer({ libraryPath })),
      Effect.provide(Logger.replace(Logger.defaultLogger, logger))
    )
  )
}
