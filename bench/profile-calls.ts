/**
 * A profiling harness (not part of `npm run bench`): one public operation in a loop, to
 * run under `node --cpu-prof`. OP=get|list|ping|stat|version|native, N calls, CONCURRENT=1
 * for all at once.
 *
 *   MSB_HOME=$(mktemp -d) MICROSANDBOX_FFI_PATH=... OP=get \
 *     node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile-calls.ts
 */
import * as Effect from "effect/Effect"
import * as Microsandbox from "../src/Microsandbox.js"
import * as Sandbox from "../src/Sandbox.js"
import * as SandboxConfig from "../src/SandboxConfig.js"

const op = process.env.OP ?? "get"
const n = Number(process.env.N ?? "20000")
const concurrent = process.env.CONCURRENT === "1"
const name = `prof-${process.pid}`

const program = Effect.scoped(Effect.gen(function*() {
  const sandbox = yield* Sandbox.make(name, SandboxConfig.image("alpine"))
  const m = yield* Microsandbox.Microsandbox
  const once: Effect.Effect<unknown, unknown, Microsandbox.Microsandbox> = op === "get"
    ? Sandbox.get(name)
    : op === "list"
    ? Sandbox.list
    : op === "ping"
    ? sandbox.ping
    : op === "stat"
    ? sandbox.fs.stat("/")
    : op === "version"
    ? Microsandbox.runtimeVersion
    : m.native.call("msb_sandbox_lookup", [name], { span: false })
  const run = (k: number) =>
    Effect.forEach(Array.from({ length: k }), () => once, {
      concurrency: concurrent ? "unbounded" : 1,
      discard: true
    })
  yield* run(Math.min(n, 1000))
  const t = performance.now()
  yield* run(n)
  process.stdout.write(`${op}: ${((performance.now() - t) * 1000 / n).toFixed(1)} µs per call\n`)
}))

await Effect.runPromise(
  program.pipe(Effect.provide(Microsandbox.layer({ libraryPath: process.env.MICROSANDBOX_FFI_PATH })))
)
