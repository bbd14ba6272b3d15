/**
 * Exec stdout throughput: the same command through the library and the runtime double,
 * and run directly with child_process. Prints one JSON line per run.
 *
 *   MSB_HOME=... MICROSANDBOX_FFI_PATH=... tsx bench/exec.ts
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { spawn } from "node:child_process"
import * as Exec from "../src/Exec.js"
import * as Microsandbox from "../src/Microsandbox.js"
import * as Sandbox from "../src/Sandbox.js"
import * as SandboxConfig from "../src/SandboxConfig.js"

const megabytes = Number(process.env.EXEC_MB ?? "64")
const bytes = megabytes * 1024 * 1024
const command = ["head", ["-c", String(bytes), "/dev/zero"]] as const

const report = (how: string, total: number, ms: number, chunks: number) =>
  process.stdout.write(
    JSON.stringify({
      how,
      megabytes,
      mbPerSec: total / 1048576 / (ms / 1000),
      ms,
      chunks,
      avgChunk: Math.round(total / chunks)
    }) +
      "\n"
  )

const direct = () =>
  new Promise<void>((resolve) => {
    const t = performance.now()
    let total = 0
    let chunks = 0
    const child = spawn(command[0], [...command[1]])
    child.stdout.on("data", (d: Buffer) => {
      total += d.length
      chunks++
    })
    child.on("close", () => {
      report("child_process", total, performance.now() - t, chunks)
      resolve()
    })
  })

const throughTheLibrary = Effect.scoped(Effect.gen(function*() {
  const sb = yield* Sandbox.make(`exec-bench-${process.pid}`, SandboxConfig.image("alpine"))
  // Warm up (JIT, worker thread).
  yield* sb.execStream("head", ["-c", String(4 * 1024 * 1024), "/dev/zero"]).pipe(Stream.runDrain)
  const t = performance.now()
  let chunks = 0
  const total = yield* sb.execStream(command[0], [...command[1]]).pipe(
    Exec.stdout,
    Stream.runFold(0, (acc, c) => (chunks++, acc + c.length))
  )
  report("effect-microsandbox (double)", total, performance.now() - t, chunks)
  const t2 = performance.now()
  const collected = yield* sb.exec(command[0], [...command[1]])
  report("effect-microsandbox exec (collected)", collected.stdoutBytes.length, performance.now() - t2, chunks)
}))

await direct()
await direct()
await Effect.runPromise(
  throughTheLibrary.pipe(
    Effect.provide(Microsandbox.layer({ libraryPath: process.env.MICROSANDBOX_FFI_PATH }))
  )
)
