/**
 * An experiment, not the library's path: how fast could an exec stream be consumed if
 * the receives ran on a worker thread while the main thread decodes? Measured side by
 * side in one process against the raw synchronous loop (the floor `bench/streams.ts`
 * uses) and the library's `execStream`.
 *
 * The worker ("lane drain") answers each request with a batch: one receive that may
 * wait (its cancel id not triggered, as a parked receive), then up to BATCH − 1 receives
 * with pre-triggered ids (what is already queued; a `cancelled` answer retried 3 times,
 * as the library does). The main thread asks for batch k + 1 before it decodes batch k
 * (one batch read ahead), so receiving and decoding overlap on two threads.
 *
 * - prefilled: the command has finished, ~750 events of 4 KiB wait in the queue; µs per
 *   event for the consumer.
 * - end to end: `head -c STREAMS_MB MiB` from start to exit.
 *
 *   MSB_HOME=... MICROSANDBOX_FFI_PATH=... MSBD_CONFIG='{"race_loss_percent":50}' tsx bench/lane-drain.ts
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { createRequire } from "node:module"
import { Worker } from "node:worker_threads"
import * as Microsandbox from "../src/Microsandbox.js"
import * as Sandbox from "../src/Sandbox.js"
import * as SandboxConfig from "../src/SandboxConfig.js"
import { decodeRaw, rawSide, reportEndToEnd, reportPerItem, script } from "./execFloor.js"

const ROUNDS = Number(process.env.ROUNDS ?? "5")
const BATCH = Number(process.env.BATCH ?? "64")
const PREFILL = 3 * 1024 * 1024
const E2E = Number(process.env.STREAMS_MB ?? "32") * 1024 * 1024

// The worker: plain JavaScript (no TypeScript loader in a worker started from a string).
const workerSource = `
const { parentPort, workerData } = require("node:worker_threads")
const koffi = require(workerData.koffi)
const lib = koffi.load(workerData.library)
const alloc = lib.func("uint64_t msb_cancel_alloc()")
const trigger = lib.func("void msb_cancel_trigger(uint64_t id)")
const free = lib.func("void msb_free_string(void * ptr)")
const recv = lib.func("void * msb_exec_recv(uint64_t cancel_id, uint64_t exec_handle, uint8_t * buf, uintptr_t buf_len)")
const buf = new Uint8Array(1 << 20)
const decoder = new TextDecoder()
const terminal = (json) => json.startsWith('{"event":"done"') || json.startsWith('{"event":"exited"') || json.startsWith('{"event":"failed"')
parentPort.on("message", ({ handle, max }) => {
  const out = []
  let lost = 0
  while (out.length < max) {
    const cid = alloc()
    if (out.length > 0) trigger(cid)
    buf[0] = 0
    const p = recv(cid, handle, buf, buf.length)
    if (p) {
      const text = koffi.decode(p, "char", -1)
      free(p)
      if (text.startsWith('{"kind":"cancelled"') && out.length > 0) {
        if (++lost > 3) break
        continue
      }
      out.push("error:" + text)
      break
    }
    lost = 0
    const json = decoder.decode(buf.subarray(0, buf.indexOf(0)))
    out.push(json)
    if (terminal(json)) break
  }
  parentPort.postMessage(out)
})
`

const program = Effect.gen(function*() {
  const sb = yield* Sandbox.make(`lane-drain-${process.pid}`, SandboxConfig.image("alpine"))
  const floor = yield* rawSide(sb)
  const { native, waitForMarker } = floor
  const rawOpen = floor.open
  const rawClose = floor.close
  const rawDrain = floor.drain
  const decode = decodeRaw

  const worker = new Worker(workerSource, {
    eval: true,
    workerData: { koffi: createRequire(import.meta.url).resolve("koffi"), library: native.path }
  })
  yield* Effect.addFinalizer(() => Effect.promise(() => worker.terminate()))
  const batch = (handle: bigint) =>
    new Promise<ReadonlyArray<string>>((resolve) => {
      worker.once("message", resolve)
      worker.postMessage({ handle, max: BATCH })
    })
  /** Lane drain: batches received on the worker, one read ahead, decoded here. */
  const laneDrain = async (handle: bigint): Promise<{ events: number; bytes: number }> => {
    let events = 0
    let bytes = 0
    let next = batch(handle)
    while (true) {
      const docs = await next
      const last = docs[docs.length - 1]!
      if (last.startsWith("error:")) throw new Error(last)
      const ended = last.startsWith("{\"event\":\"done\"")
      if (!ended) next = batch(handle)
      for (const json of docs) {
        const n = decode(json)
        if (n < 0) return { events, bytes }
        events++
        bytes += n
      }
    }
  }

  const perEvent: Record<string, Array<number>> = { raw: [], laneDrain: [], execStream: [] }
  const e2e: Record<string, Array<number>> = { raw: [], laneDrain: [], execStream: [] }
  for (let round = 0; round < ROUNDS; round++) {
    {
      const h = yield* rawOpen(script(PREFILL))
      yield* waitForMarker
      const t = performance.now()
      const { events } = rawDrain(h)
      perEvent.raw!.push(((performance.now() - t) * 1000) / events)
      yield* rawClose(h)
    }
    {
      const h = yield* rawOpen(script(PREFILL))
      yield* waitForMarker
      const t = performance.now()
      const { events } = yield* Effect.promise(() => laneDrain(h))
      perEvent.laneDrain!.push(((performance.now() - t) * 1000) / events)
      yield* rawClose(h)
    }
    yield* Effect.scoped(Effect.gen(function*() {
      const pull = yield* Stream.toPull(sb.shellStream(script(PREFILL), { cwd: "/" }))
      let events = Chunk.size(yield* pull)
      yield* waitForMarker
      const t = performance.now()
      while (true) {
        const chunk = yield* Effect.option(pull)
        if (chunk._tag === "None") break
        events += Chunk.size(chunk.value)
      }
      perEvent.execStream!.push(((performance.now() - t) * 1000) / events)
    }))

    {
      const t = performance.now()
      const h = yield* rawOpen(`head -c ${E2E} /dev/zero`)
      const { bytes } = rawDrain(h)
      e2e.raw!.push(performance.now() - t)
      yield* rawClose(h)
      if (bytes !== E2E) throw new Error(`raw drain got ${bytes} bytes`)
    }
    {
      const t = performance.now()
      const h = yield* rawOpen(`head -c ${E2E} /dev/zero`)
      const { bytes } = yield* Effect.promise(() => laneDrain(h))
      e2e.laneDrain!.push(performance.now() - t)
      yield* rawClose(h)
      if (bytes !== E2E) throw new Error(`lane drain got ${bytes} bytes`)
    }
    {
      const t = performance.now()
      const bytes = yield* sb.execStream("head", ["-c", String(E2E), "/dev/zero"]).pipe(
        Stream.runFold(0, (n, e) => (e._tag === "Stdout" ? n + e.data.length : n))
      )
      e2e.execStream!.push(performance.now() - t)
      if (bytes !== E2E) throw new Error(`execStream got ${bytes} bytes`)
    }
  }
  reportPerItem("prefilled", "Event", perEvent)
  reportEndToEnd(E2E, e2e)
})

await Effect.runPromise(
  Effect.scoped(program).pipe(
    Effect.provide(Microsandbox.layer({ libraryPath: process.env.MICROSANDBOX_FFI_PATH }))
  )
)
