import { describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { execFile } from "node:child_process"
import { join } from "node:path"
import * as Sandbox from "../../src/Sandbox.js"
import * as Double from "../support/double.js"

const child = (name: string, mode: string) =>
  Effect.async<{ code: number | null; signal: string | null; stdout: string }>((resume) => {
    const script = join(process.cwd(), "test", "fixtures", "child-sandbox.ts")
    execFile(
      process.execPath,
      ["--import", "tsx", script, name, mode],
      { env: process.env },
      (error, stdout) => {
        resume(Effect.succeed({
          code: error ? (typeof error.code === "number" ? error.code : null) : 0,
          signal: error?.signal ?? null,
          stdout
        }))
      }
    )
  })

describe("across processes", () => {
  layer(Double.layer(), { excludeTestServices: true })((it) => {
    it.effect("a detached sandbox survives the Node process that created it and is found and stopped by another", () =>
      Effect.gen(function*() {
        const result = yield* child("survivor", "detached")
        expect(result).toEqual({ code: 0, signal: null, stdout: "created survivor\n" })
        const handle = yield* Sandbox.get("survivor")
        expect(handle.status).toBe("running")
        const name = yield* Effect.scoped(
          Effect.flatMap(handle.connect, (sb) => Effect.map(sb.ping, (p) => p.name))
        )
        expect(name).toBe("survivor")
        yield* handle.stop()
        expect((yield* handle.refresh).status).toBe("stopped")
        expect(Double.counters().handles.sandbox).toBe(0)
      }))

    it.effect("an attached sandbox stops when its owner process dies without releasing it", () =>
      Effect.gen(function*() {
        const result = yield* child("orphaned", "attached-then-die")
        expect(result.signal).toBe("SIGKILL")
        expect(result.stdout).toBe("created orphaned\n")
        const stopped = yield* (yield* Sandbox.get("orphaned")).waitUntilStopped
        expect(stopped.status).toBe("stopped")
      }))
  })
})
