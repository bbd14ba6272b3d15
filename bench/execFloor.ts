/**
 * What the exec-stream benchmarks (`streams.ts`, `lane-drain.ts`) share: their statistics
 * and JSON lines, and the raw side of the comparison on one sandbox — a command started
 * through the raw export, a marker file telling that everything it wrote is queued, and
 * the floor: one synchronous native receive per event on this thread, cheapest decode.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { existsSync, rmSync } from "node:fs"
import { coreOf } from "../src/internal/sandboxCore.js"
import * as Microsandbox from "../src/Microsandbox.js"
import type * as Sandbox from "../src/Sandbox.js"

/** Minimum and median. */
export const stats = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return { min: s[0]!, median: s[Math.floor(s.length / 2)]! }
}

/** One result row, as a JSON line. */
export const report = (row: Record<string, unknown>) => process.stdout.write(JSON.stringify(row) + "\n")

/**
 * One row per subject of `samples` (µs per event or entry, one sample per round): minimum,
 * median, and the median against `samples.raw`'s.
 */
export const reportPerItem = (
  table: string,
  unit: "Event" | "Entry",
  samples: Record<string, ReadonlyArray<number>>
) => {
  const raw = stats(samples.raw!)
  for (const [how, xs] of Object.entries(samples)) {
    const s = stats(xs)
    report({
      table,
      how,
      [`usPer${unit}Min`]: s.min,
      [`usPer${unit}Median`]: s.median,
      vsRawMedian: s.median / raw.median
    })
  }
}

/** The end-to-end rows of `bytes` streamed: ms per run and the throughput against `samples.raw`'s. */
export const reportEndToEnd = (bytes: number, samples: Record<string, ReadonlyArray<number>>) => {
  const raw = stats(samples.raw!)
  for (const [how, xs] of Object.entries(samples)) {
    const s = stats(xs)
    report({
      table: "end-to-end",
      how,
      megabytes: bytes / 1048576,
      msMin: s.min,
      msMedian: s.median,
      // Throughput relative to the raw loop (1 = as fast; higher is better).
      speedVsRaw: raw.median / s.median
    })
  }
}

/** A shell script writing `bytes` of zeros, then the marker. */
export const script = (bytes: number) => `head -c ${bytes} /dev/zero; touch bench-marker`

/** The output bytes of one event document, -1 at the end of the queue. */
export const decodeRaw = (json: string): number => {
  const doc = JSON.parse(json) as { event: string; data?: string }
  if (doc.event === "done") return -1
  return doc.data === undefined ? 0 : Buffer.from(doc.data, "base64").length
}

const ExecHandle = Schema.Struct({ exec_handle: Schema.Number })

/** The raw side on `sb`. */
export const rawSide = (sb: Sandbox.Sandbox) =>
  Effect.map(Microsandbox.Microsandbox, ({ native }) => {
    const invoker = native.invoker
    const core = coreOf(sb)
    const marker = `${process.env.MSB_HOME}/sandboxes/${sb.name}/rootfs/bench-marker`
    return {
      native,
      /** Waits until `script`'s command has written everything (and it is queued). */
      waitForMarker: Effect.gen(function*() {
        while (!existsSync(marker)) yield* Effect.sleep("5 millis")
        // The double's reader moves what the command wrote into the queue right after.
        yield* Effect.sleep("200 millis")
        rmSync(marker)
      }),
      open: (command: string) =>
        native.callDecode(
          "msb_sandbox_exec_stream",
          [core.handle, "/bin/sh", JSON.stringify({ args: ["-c", command], cwd: "/" })],
          ExecHandle
        ).pipe(Effect.map((r) => BigInt(r.exec_handle))),
      close: (h: bigint) => native.call("msb_exec_close", [h]),
      /** The floor: one synchronous native receive per event on this thread. */
      drain: (handle: bigint): { events: number; bytes: number } => {
        let events = 0
        let bytes = 0
        while (true) {
          const cid = BigInt(invoker.callScalar("msb_cancel_alloc", []) as number | bigint)
          const outcome = invoker.callJson("msb_exec_recv", [cid, handle], 1 << 20)
          if (outcome.t !== "ok") throw new Error(JSON.stringify(outcome))
          const n = decodeRaw(outcome.json)
          if (n < 0) return { events, bytes }
          events++
          bytes += n
        }
      }
    }
  })
