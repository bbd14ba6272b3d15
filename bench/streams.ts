/**
 * Exec stream costs against the floor the C ABI allows, measured side by side in one
 * process (only ratios count on a noisy machine). Prints one JSON line per measurement
 * (min and median of ROUNDS rounds).
 *
 * - prefilled: the command has finished and its events wait in the runtime's queue
 *   (3 MiB of stdout, about 750 events of 4 KiB); the consumer's cost per event of
 *   a raw synchronous koffi loop (receive + JSON.parse + base64), of `execStream`
 *   (an owned stream: chunked pulls) and of `spawn().events` (one receive per event).
 * - end to end: `head -c 64 MiB` from start to exit, the raw synchronous loop against
 *   `execStream` and the collected `exec`.
 * - PREFILLED_ONLY=1: only the first table (with MSBD_CONFIG={"race_loss_percent":50},
 *   the double loses half the races of a pre-triggered cancel id, as the real runtime).
 * - log history: a non-follow log stream of the entries written so far (thousands),
 *   per entry, the raw loop against `logStream`.
 *
 *   MSB_HOME=... MICROSANDBOX_FFI_PATH=... tsx bench/streams.ts
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { coreOf } from "../src/internal/sandboxCore.js"
import * as Microsandbox from "../src/Microsandbox.js"
import * as Sandbox from "../src/Sandbox.js"
import * as SandboxConfig from "../src/SandboxConfig.js"
import { rawSide, report, reportEndToEnd, reportPerItem, script, stats } from "./execFloor.js"

const ROUNDS = Number(process.env.ROUNDS ?? "5")
const PREFILL = 3 * 1024 * 1024
const E2E = Number(process.env.STREAMS_MB ?? "64") * 1024 * 1024
const PREFILLED_ONLY = process.env.PREFILLED_ONLY === "1"

const program = Effect.gen(function*() {
  const sb = yield* Sandbox.make(`streams-bench-${process.pid}`, SandboxConfig.image("alpine"))
  const floor = yield* rawSide(sb)
  const { native, waitForMarker } = floor
  const invoker = native.invoker
  const core = coreOf(sb)
  const rawDrain = floor.drain
  const rawOpen = floor.open
  const rawClose = floor.close

  const perEvent: Record<string, Array<number>> = { raw: [], execStream: [], spawn: [] }
  const e2e: Record<string, Array<number>> = { raw: [], execStream: [], exec: [] }
  for (let round = 0; round < ROUNDS; round++) {
    // --- prefilled queue
    {
      const h = yield* rawOpen(script(PREFILL))
      yield* waitForMarker
      const t = performance.now()
      const { events } = rawDrain(h)
      perEvent.raw!.push(((performance.now() - t) * 1000) / events)
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
    yield* Effect.scoped(Effect.gen(function*() {
      const proc = yield* sb.spawn("/bin/sh", ["-c", script(PREFILL)], { cwd: "/" })
      yield* waitForMarker
      const t = performance.now()
      const events = yield* Stream.runCount(proc.events)
      perEvent.spawn!.push(((performance.now() - t) * 1000) / events)
    }))

    if (PREFILLED_ONLY) continue
    // --- end to end
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
      const bytes = yield* sb.execStream("head", ["-c", String(E2E), "/dev/zero"]).pipe(
        Stream.runFold(0, (n, e) => (e._tag === "Stdout" ? n + e.data.length : n))
      )
      e2e.execStream!.push(performance.now() - t)
      if (bytes !== E2E) throw new Error(`execStream got ${bytes} bytes`)
    }
    {
      const t = performance.now()
      const r = yield* sb.exec("head", ["-c", String(E2E), "/dev/zero"])
      e2e.exec!.push(performance.now() - t)
      if (r.stdoutBytes.length !== E2E) throw new Error(`exec got ${r.stdoutBytes.length} bytes`)
    }
  }
  reportPerItem("prefilled", "Event", perEvent)
  if (PREFILLED_ONLY) return
  // --- log history (non-follow stream of the entries written above and here)
  yield* sb.shell("for i in $(seq 1 2000); do echo line-$i; done")
  const logs: Record<string, Array<number>> = { raw: [], logStream: [] }
  const LogHandle = Schema.Struct({ stream_handle: Schema.Number })
  for (let round = 0; round < ROUNDS; round++) {
    {
      const { stream_handle } = yield* native.callDecode(
        "msb_sandbox_log_stream",
        [core.handle, JSON.stringify({ sources: ["stdout"] })],
        LogHandle
      )
      const h = BigInt(stream_handle)
      const t = performance.now()
      let n = 0
      while (true) {
        const cid = BigInt(invoker.callScalar("msb_cancel_alloc", []) as number | bigint)
        const outcome = invoker.callJson("msb_log_recv", [cid, h], 1 << 20)
        if (outcome.t !== "ok") throw new Error(JSON.stringify(outcome))
        const doc = JSON.parse(outcome.json) as { done?: true; data_b64?: string }
        if (doc.done) break
        Buffer.from(doc.data_b64!, "base64")
        n++
      }
      logs.raw!.push(((performance.now() - t) * 1000) / n)
      yield* native.call("msb_log_close", [h])
    }
    {
      const t = performance.now()
      const n = yield* Stream.runCount(sb.logStream({ sources: ["stdout"] }))
      logs.logStream!.push(((performance.now() - t) * 1000) / n)
    }
  }
  reportPerItem("log history", "Entry", logs)

  reportEndToEnd(E2E, e2e)
  const stream = stats(e2e.execStream!)
  report({ table: "end-to-end", how: "exec vs execStream", ratio: stream.median / stats(e2e.exec!).median })
})

await Effect.runPromise(
  Effect.scoped(program).pipe(
    Effect.provide(Microsandbox.layer({ libraryPath: process.env.MICROSANDBOX_FFI_PATH }))
  )
)
