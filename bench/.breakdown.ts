import * as Effect from "effect/Effect"
import koffi from "koffi"
import * as Microsandbox from "/work/main/src/Microsandbox.js"
import * as Sandbox from "/work/main/src/Sandbox.js"
import * as SandboxConfig from "/work/main/src/SandboxConfig.js"
import { InfoJson } from "/work/main/src/internal/sandbox/wire.js"
import { lookup } from "/work/main/src/internal/sandbox/handle.js"

const libraryPath = process.env.MICROSANDBOX_FFI_PATH!
const name = `bd-${process.pid}`
koffi.config({ ...koffi.config(), max_async_calls: 4096 })
const lib = koffi.load(libraryPath)
const alloc = lib.func("uint64_t msb_cancel_alloc()")
const unregister = lib.func("void msb_cancel_unregister(uint64_t id)")
const rawLookup = lib.func("void * msb_sandbox_lookup(uint64_t, const char *, uint8_t *, uintptr_t)")
const dec = new TextDecoder()
const buf = new Uint8Array(1 << 20)
const raw = Effect.async<unknown>((resume) => {
  const cid = alloc()
  rawLookup.async(cid, name, buf, buf.length, (_e: unknown, _p: unknown) => {
    unregister(cid)
    resume(Effect.succeed(JSON.parse(dec.decode(buf.subarray(0, buf.indexOf(0))))))
  })
})
const N = Number(process.env.N ?? 1500)
const time = (e: Effect.Effect<unknown, unknown, any>) => Effect.suspend(() => {
  const t = performance.now()
  return Effect.repeatN(e, N - 1).pipe(Effect.map(() => (performance.now() - t) * 1000 / N))
})
const program = Effect.scoped(Effect.gen(function*() {
  yield* Sandbox.make(name, SandboxConfig.image("alpine"))
  const m = yield* Microsandbox.Microsandbox
  const cases: Array<[string, Effect.Effect<unknown, unknown, any>]> = [
    ["raw", raw],
    ["native.call", m.native.call("msb_sandbox_lookup", [name], { span: false })],
    ["callDecode", m.native.callDecode("msb_sandbox_lookup", [name], InfoJson, { operation: "x", sandbox: name, span: false })],
    ["operation(callDecode)", m.native.operation("x", { "msb.sandbox": name }, m.native.callDecode("msb_sandbox_lookup", [name], InfoJson, { operation: "x", sandbox: name, span: false }))],
    ["lookup(svc)", lookup(m, name)],
    ["Sandbox.get", Sandbox.get(name)]
  ]
  const best = new Map<string, number>()
  for (let r = 0; r < Number(process.env.ROUNDS ?? 15); r++) {
    for (const [k, e] of cases) {
      const us = yield* time(e)
      if (r >= 3) best.set(k, Math.min(best.get(k) ?? Infinity, us))
    }
  }
  for (const [k, v] of best) console.log(k.padEnd(24), v.toFixed(1))
}))
await Effect.runPromise(program.pipe(Effect.provide(Microsandbox.layer({ libraryPath }))))
