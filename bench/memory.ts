/**
 * Resident memory over many calls and over a long stream: RSS (after a forced GC when
 * the process runs with --expose-gc) at checkpoints, and its growth after warm-up.
 * Prints one JSON line per checkpoint and one summary line per subject.
 *
 *   CALLS=100000 STREAM_MIB=1024 NODE_OPTIONS=--expose-gc MSB_HOME=... MICROSANDBOX_FFI_PATH=... tsx bench/memory.ts
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Exec from "../src/Exec.js"
import * as Microsandbox from "../src/Microsandbox.js"
import * as Sandbox from "../src/Sandbox.js"
import * as SandboxConfig from "../src/SandboxConfig.js"

const calls = Number(process.env.CALLS ?? "100000")
const streamMiB = Number(process.env.STREAM_MIB ?? "1024")
const step = 10_000
const gc = (globalThis as { gc?: () => void }).gc

const rssMiB = () => {
  gc?.()
  return process.memoryUsage().rss / 1048576
}

const summary = (subject: string, unit: string, points: Array<{ at: number; rssMiB: number }>) => {
  // Warm-up: the first checkpoint; growth is a least-squares slope over the rest.
  const rest = points.slice(1)
  const n = rest.length
  const mx = rest.reduce((a, p) => a + p.at, 0) / n
  const my = rest.reduce((a, p) => a + p.rssMiB, 0) / n
  const slope = rest.reduce((a, p) => a + (p.at - mx) * (p.rssMiB - my), 0) /
    Math.max(1e-9, rest.reduce((a, p) => a + (p.at - mx) ** 2, 0))
  process.stdout.write(
    JSON.stringify({
      subject,
      kind: "summary",
      afterWarmUpMiB: rest[0]?.rssMiB,
      endMiB: points.at(-1)?.rssMiB,
      maxMiB: Math.max(...rest.map((p) => p.rssMiB)),
      [`growthMiBPer${unit}`]: slope * (unit === "10kCalls" ? step : 128),
      gc: gc !== undefined
    }) + "\n"
  )
}

const program = Effect.scoped(Effect.gen(function*() {
  const sandbox = yield* Sandbox.make(`memory-${process.pid}`, SandboxConfig.image("alpine"))

  const callPoints: Array<{ at: number; rssMiB: number }> = []
  for (let done = 0; done < calls; done += step) {
    yield* Effect.forEach(Array.from({ length: step }), () => Sandbox.get(sandbox.name), {
      concurrency: 8,
      discard: true
    })
    const point = { at: done + step, rssMiB: rssMiB() }
    callPoints.push(point)
    process.stdout.write(
      JSON.stringify({ subject: "calls", kind: "point", calls: point.at, rssMiB: point.rssMiB }) + "\n"
    )
  }
  summary("calls (Sandbox.get)", "10kCalls", callPoints)

  const streamPoints: Array<{ at: number; rssMiB: number }> = []
  let received = 0
  let nextMark = 128
  yield* sandbox.execStream("head", ["-c", String(streamMiB * 1048576), "/dev/zero"]).pipe(
    Exec.stdout,
    Stream.runForEach((chunk) =>
      Effect.sync(() => {
        received += chunk.length
        if (received / 1048576 >= nextMark) {
          const point = { at: nextMark, rssMiB: rssMiB() }
          streamPoints.push(point)
          process.stdout.write(
            JSON.stringify({ subject: "stream", kind: "point", mib: point.at, rssMiB: point.rssMiB }) + "\n"
          )
          nextMark += 128
        }
      })
    )
  )
  summary(`exec stdout (${streamMiB} MiB streamed)`, "128MiB", streamPoints)
}))

await Effect.runPromise(
  program.pipe(Effect.provide(Microsandbox.layer({ libraryPath: process.env.MICROSANDBOX_FFI_PATH })))
)
