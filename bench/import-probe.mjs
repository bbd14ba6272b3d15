// One cold start, in its own process (run by bench/import.ts): import what MODE names, then
// make the first call, and print one JSON line with the times and the modules loaded.
//   MODE=effect  import "effect" (or EFFECT_MODULE, e.g. effect/Effect, or every module of the
//                comma-separated EFFECT_MODULES) and run one Effect
//   MODE=koffi   import koffi, load the library, call msb_version (the floor of any FFI call)
//   MODE=entry   import ENTRY (a built entry, e.g. dist/index.js), then ask the runtime its
//                version through CORE's Microsandbox layer (CORE defaults to ENTRY)
import { createRequire, register } from "node:module"

const shared = new SharedArrayBuffer(4)
const counter = new Int32Array(shared)
register(new URL("./import-hooks.mjs", import.meta.url), { data: { shared } })

const mode = process.env.MODE
const library = process.env.MICROSANDBOX_FFI_PATH
const require = createRequire(import.meta.url)
const t0 = performance.now()
let imported = 0
let version = ""

if (mode === "effect") {
  // EFFECT_MODULES: a comma-separated list imported in order (effect/Effect among them)
  for (const name of (process.env.EFFECT_MODULES ?? "").split(",").filter(Boolean)) await import(name)
  const module = await import(
    process.env.EFFECT_MODULES ? "effect/Effect" : process.env.EFFECT_MODULE ?? "effect"
  )
  const Effect = process.env.EFFECT_MODULES || process.env.EFFECT_MODULE ? module : module.Effect
  imported = performance.now()
  version = Effect.runSync(Effect.succeed("effect"))
} else if (mode === "koffi") {
  const { default: koffi } = await import("koffi")
  imported = performance.now()
  const lib = koffi.load(library)
  const fn = lib.func("void * msb_version(uint8_t * buf, uintptr_t buf_len)")
  const buf = Buffer.alloc(4096)
  fn(buf, buf.length)
  version = JSON.parse(buf.toString("utf8", 0, buf.indexOf(0))).version
} else if (mode === "entry") {
  await import(process.env.ENTRY)
  imported = performance.now()
  const { Microsandbox } = await import(process.env.CORE ?? process.env.ENTRY)
  const Effect = await import("effect/Effect")
  version = await Effect.runPromise(
    Effect.provide(Microsandbox.runtimeVersion, Microsandbox.layer({ libraryPath: library }))
  )
} else {
  throw new Error(`unknown MODE ${mode}`)
}
const done = performance.now()
const cjs = Object.keys(require.cache).length
process.stdout.write(
  JSON.stringify({
    mode,
    label: process.env.LABEL ?? mode,
    version,
    importMs: imported - t0,
    firstCallMs: done - t0,
    esmModules: Atomics.load(counter, 0),
    cjsModules: cjs
  }) + "\n"
)
process.exit(0)
