/**
 * Time to a ready sandbox: from a warm SandboxPool vs a fresh `Sandbox.make`, with 16
 * borrowers at once, each borrowing, pinging and giving back in a loop. Prints one JSON
 * line per way (latency of getting the sandbox only; p50/p99 over every borrow).
 *
 *   BORROWERS=16 ROUNDS=10 MSB_HOME=... MICROSANDBOX_FFI_PATH=... tsx bench/pool.ts
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Microsandbox from "../src/Microsandbox.js"
import type { MicrosandboxError } from "../src/MicrosandboxError.js"
import * as Sandbox from "../src/Sandbox.js"
import * as SandboxConfig from "../src/SandboxConfig.js"
import * as SandboxPool from "../src/SandboxPool.js"

const borrowers = Number(process.env.BORROWERS ?? "16")
const rounds = Number(process.env.ROUNDS ?? "10")
const config = SandboxConfig.make(SandboxConfig.image("alpine"), SandboxConfig.ephemeral())

const quantile = (xs: Array<number>, q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN
}

const run = (
  how: string,
  acquire: (
    i: number,
    r: number
  ) => Effect.Effect<Sandbox.Sandbox, MicrosandboxError, Scope.Scope | Microsandbox.Microsandbox>
) =>
  Effect.gen(function*() {
    const samples: Array<number> = []
    const t = performance.now()
    yield* Effect.forEach(
      Array.from({ length: borrowers }, (_, i) => i),
      (i) =>
        Effect.forEach(Array.from({ length: rounds }, (_, r) => r), (r) =>
          Effect.scoped(Effect.gen(function*() {
            const t0 = performance.now()
            const sandbox = yield* acquire(i, r)
            samples.push(performance.now() - t0)
            yield* sandbox.ping
          })), { discard: true }),
      { concurrency: "unbounded", discard: true }
    )
    const row = {
      how,
      borrowers,
      borrows: samples.length,
      p50Ms: quantile(samples, 0.5),
      p99Ms: quantile(samples, 0.99),
      totalMs: performance.now() - t
    }
    process.stdout.write(JSON.stringify(row) + "\n")
    return row
  })

const program = Effect.gen(function*() {
  // Warm-up: JIT and the first lanes.
  yield* run("warm-up", (i, r) => Sandbox.makeWith(`pool-warm-${i}-${r}`, config))
  yield* run("fresh Sandbox.make", (i, r) => Sandbox.makeWith(`pool-fresh-${i}-${r}`, config))
  yield* Effect.scoped(Effect.gen(function*() {
    const pool = yield* SandboxPool.make({ size: borrowers * 2, config, namePrefix: "bench-destroy" })
    yield* pool.ready
    yield* run(`pool of ${borrowers * 2}, destroy and replace`, () => pool.get)
  }))
  yield* Effect.scoped(Effect.gen(function*() {
    const pool = yield* SandboxPool.make({
      size: borrowers,
      config,
      namePrefix: "bench-reset",
      // A cheap reset: the guest's scratch folder emptied.
      reset: (sandbox) => Effect.ignore(sandbox.fs.removeDir("/tmp/scratch"))
    })
    yield* pool.ready
    yield* run(`pool of ${borrowers}, reset hook`, () => pool.get)
  }))
})

await Effect.runPromise(
  program.pipe(Effect.provide(Microsandbox.layer({ libraryPath: process.env.MICROSANDBOX_FFI_PATH })))
)
