import { describe, expect, layer } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import { Microsandbox } from "../../src/Microsandbox.js"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as Double from "../support/double.js"

/** Runs `self` with a tracer that records every span it makes (name and attributes). */
const traced = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const base = yield* Effect.tracer
    const spans: Array<Tracer.Span> = []
    const recording = Tracer.make({
      span: (...args) => {
        const span = base.span(...args)
        spans.push(span)
        return span
      },
      context: (f) => f()
    })
    const result = yield* Effect.withTracer(self, recording)
    return [result, spans] as const
  })

describe("spans", () => {
  layer(Double.layer(), { excludeTestServices: true })((it) => {
    it.effect("a public call makes one span, carrying the library's attributes", () =>
      Effect.gen(function*() {
        const m = yield* Microsandbox
        yield* Effect.scoped(Effect.gen(function*() {
          const sandbox = yield* Sandbox.make("spans-1", SandboxConfig.image("alpine"))
          const [, get] = yield* traced(Sandbox.get("spans-1"))
          expect(get.map((s) => s.name)).toEqual(["Sandbox.get"])
          expect(get[0]!.attributes.get("msb.library")).toBe(m.libraryPath)
          expect(get[0]!.attributes.get("msb.sandbox")).toBe("spans-1")
          const [, ping] = yield* traced(sandbox.ping)
          expect(ping.map((s) => s.name)).toEqual(["Sandbox.ping"])
          const [, stat] = yield* traced(sandbox.fs.stat("/"))
          expect(stat.map((s) => s.name)).toEqual(["SandboxFs.stat"])
          const [, remove] = yield* traced(Effect.flip(Sandbox.remove("spans-none")))
          expect(remove.map((s) => s.name)).toEqual(["Sandbox.remove"])
        }))
      }))

    it.effect("a stream is traced by its opening, not per item (a 7 MiB file read in 3 chunks)", () =>
      Effect.gen(function*() {
        yield* Effect.scoped(Effect.gen(function*() {
          const sandbox = yield* Sandbox.make("spans-2", SandboxConfig.image("alpine"))
          yield* sandbox.fs.write("/tmp/seven.bin", new Uint8Array(7 * 1024 * 1024).fill(7))
          const [chunks, spans] = yield* traced(Stream.runCollect(sandbox.fs.readStream("/tmp/seven.bin")))
          expect(Chunk.size(chunks)).toBe(3)
          // The opening call's client span; no span per chunk received.
          expect(spans.map((s) => s.name)).toEqual(["msb.msb_fs_read_stream"])
        }))
      }))

    it.effect("a native call outside any operation's span still gets its own", () =>
      Effect.gen(function*() {
        const m = yield* Microsandbox
        const [, spans] = yield* traced(Effect.flip(m.native.call("msb_sandbox_lookup", ["spans-none"])))
        expect(spans.map((s) => s.name)).toEqual(["msb.msb_sandbox_lookup"])
        expect(spans[0]!.attributes.get("msb.operation")).toBe("msb_sandbox_lookup")
      }))
  })
})
