/**
 * Per-call cost of public operations against a raw koffi call of the same export, in
 * one process, on the same sandbox. Prints one JSON line per (operation, load).
 *
 * "Raw" is the least any caller of the C ABI does: allocate a cancel id, call the
 * export with koffi's async mode (libuv's pool), read the JSON the call wrote and parse
 * it, unregister the id (instant exports: a synchronous call, no id). The library adds
 * input validation, its executor, Schema decoding, typed errors and one span.
 *
 *   MSB_HOME=... MICROSANDBOX_FFI_PATH=... tsx bench/calls.ts
 */
import * as Effect from "effect/Effect"
import koffi from "koffi"
import * as Microsandbox from "../src/Microsandbox.js"
import * as Sandbox from "../src/Sandbox.js"
import * as SandboxConfig from "../src/SandboxConfig.js"

const libraryPath = process.env.MICROSANDBOX_FFI_PATH!
const sequentialCalls = Number(process.env.CALLS ?? "2000")
const concurrentCalls = Number(process.env.CONCURRENT ?? "1000")
const rounds = Number(process.env.ROUNDS ?? "5")
const warmup = Number(process.env.WARMUP ?? "4000")
const name = `calls-${process.pid}`

// ------------------------------------------------------------------ raw koffi driver
koffi.config({ ...koffi.config(), max_async_calls: 4096 })
const lib = koffi.load(libraryPath)
const alloc = lib.func("uint64_t msb_cancel_alloc()")
const unregister = lib.func("void msb_cancel_unregister(uint64_t id)")
const free = lib.func("void msb_free_string(void * p)")
const decoder = new TextDecoder()
type Fn = ReturnType<ReturnType<typeof koffi.load>["func"]>
const fn = (prototype: string): Fn => lib.func(prototype)
const readJson = (buf: Uint8Array) => JSON.parse(decoder.decode(buf.subarray(0, buf.indexOf(0))))

// Result buffers are reused, as any careful caller would (a fresh 1 MiB per call costs
// more than the call).
const buffers: Array<Uint8Array> = []
/** An error answer is resolved as its decoded document (no Error object made). */
const rawAsyncError = (f: Fn, ...args: Array<unknown>) =>
  new Promise<unknown>((resolve) => {
    const buf = buffers.pop() ?? new Uint8Array(1 << 20)
    buf[0] = 0
    const cid = alloc()
    f.async(cid, ...args, buf, buf.length, (_e: unknown, p: unknown) => {
      unregister(cid)
      buffers.push(buf)
      if (!p) return resolve(readJson(buf))
      const text = koffi.decode(p, "char", -1) as unknown as string
      free(p)
      resolve(JSON.parse(text))
    })
  })
const rawAsync = (f: Fn, ...args: Array<unknown>) =>
  new Promise<unknown>((resolve, reject) => {
    const buf = buffers.pop() ?? new Uint8Array(1 << 20)
    buf[0] = 0
    const cid = alloc()
    f.async(cid, ...args, buf, buf.length, (e: unknown, p: unknown) => {
      unregister(cid)
      if (e) return reject(e)
      if (p) {
        const text = koffi.decode(p, "char", -1)
        free(p)
        return reject(new Error(String(text)))
      }
      const result = readJson(buf)
      buffers.push(buf)
      resolve(result)
    })
  })
const syncBuf = new Uint8Array(1 << 20)
const rawSync = (f: Fn) => {
  const p = f(syncBuf, syncBuf.length)
  if (p) {
    free(p)
    throw new Error("failed")
  }
  return readJson(syncBuf)
}

const lookup = fn("void * msb_sandbox_lookup(uint64_t, const char *, uint8_t *, uintptr_t)")
const list = fn("void * msb_sandbox_list(uint64_t, const char *, uint8_t *, uintptr_t)")
const connect = fn("void * msb_sandbox_connect(uint64_t, const char *, uint8_t *, uintptr_t)")
const ping = fn("void * msb_sandbox_ping(uint64_t, uint64_t, uint8_t *, uintptr_t)")
const stat = fn("void * msb_fs_stat(uint64_t, uint64_t, const char *, uint8_t *, uintptr_t)")
const version = fn("void * msb_version(uint8_t *, uintptr_t)")

// ------------------------------------------------------------------ timing
const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** µs per call: `n` calls one after another, or `n` at once. */
const timeRaw = async (n: number, concurrent: boolean, once: () => unknown): Promise<number> => {
  const t = performance.now()
  if (concurrent) await Promise.all(Array.from({ length: n }, once))
  else for (let i = 0; i < n; i++) await once()
  return ((performance.now() - t) * 1000) / n
}
const timeLib = <R>(n: number, concurrent: boolean, once: Effect.Effect<unknown, unknown, R>) =>
  Effect.suspend(() => {
    const t = performance.now()
    return Effect.forEach(Array.from({ length: n }), () => once, {
      concurrency: concurrent ? "unbounded" : 1,
      discard: true
    }).pipe(Effect.map(() => ((performance.now() - t) * 1000) / n))
  })

interface Case {
  readonly operation: string
  readonly raw: () => unknown
  readonly lib: Effect.Effect<unknown, unknown, Microsandbox.Microsandbox>
  readonly instant?: boolean
}

const program = Effect.scoped(Effect.gen(function*() {
  const sandbox = yield* Sandbox.make(name, SandboxConfig.image("alpine"))
  const connected = (yield* Effect.promise(() => rawAsync(connect, name))) as { handle: number }
  const handle = BigInt(connected.handle)
  const cases: Array<Case> = [
    { operation: "Sandbox.get", raw: () => rawAsync(lookup, name), lib: Sandbox.get(name) },
    {
      // The error path: the runtime's error document becomes a typed SandboxNotFound.
      operation: "Sandbox.get, absent (SandboxNotFound)",
      raw: () => rawAsyncError(lookup, `${name}-absent`),
      lib: Effect.either(Sandbox.get(`${name}-absent`))
    },
    {
      // The floor under every public call: the library's call protocol without the
      // operation's span, its Schema decode and its result type.
      operation: "(internal native.call, no span)",
      raw: () => rawAsync(lookup, name),
      lib: Effect.flatMap(
        Microsandbox.Microsandbox,
        (m) => m.native.call("msb_sandbox_lookup", [name], { span: false })
      )
    },
    {
      // What one Effect span costs here, without any native call.
      operation: "(an Effect span alone, vs the raw lookup)",
      raw: () => rawAsync(lookup, name),
      lib: Effect.withSpan(Effect.void, "bench.span", { attributes: { "msb.sandbox": name } })
    },
    {
      operation: "Sandbox.list",
      raw: () => rawAsync(list, JSON.stringify({ limit: 100 })),
      lib: Sandbox.list
    },
    { operation: "Sandbox.ping", raw: () => rawAsync(ping, handle), lib: sandbox.ping },
    { operation: "SandboxFs.stat", raw: () => rawAsync(stat, handle, "/"), lib: sandbox.fs.stat("/") },
    {
      operation: "Microsandbox.runtimeVersion",
      raw: () => rawSync(version),
      lib: Microsandbox.runtimeVersion,
      instant: true
    }
  ]
  for (const c of cases) {
    for (const concurrent of [false, true]) {
      if (concurrent && c.instant) continue
      const n = concurrent ? concurrentCalls : sequentialCalls
      // Warm up both (JIT, buffers, worker threads). V8 takes a few thousand calls to
      // optimise the library's path (its first rounds ran 3–10× slower than later ones),
      // so both sides run WARMUP calls (default 4,000) before anything is measured.
      for (let done = 0; done < warmup; done += n) {
        yield* Effect.promise(() => timeRaw(n, concurrent, c.raw))
        yield* timeLib(n, concurrent, c.lib)
      }
      const raw: Array<number> = []
      const ours: Array<number> = []
      // Interleaved rounds, so that machine noise hits both sides alike.
      for (let r = 0; r < rounds; r++) {
        raw.push(yield* Effect.promise(() => timeRaw(n, concurrent, c.raw)))
        ours.push(yield* timeLib(n, concurrent, c.lib))
      }
      const rawUs = median(raw)
      const libUs = median(ours)
      process.stdout.write(
        JSON.stringify({
          operation: c.operation,
          load: concurrent ? `${n} concurrent` : "sequential",
          calls: n,
          rounds,
          rawUs,
          libUs,
          ratio: libUs / rawUs
        }) + "\n"
      )
    }
  }
}))

await Effect.runPromise(program.pipe(Effect.provide(Microsandbox.layer({ libraryPath }))))
