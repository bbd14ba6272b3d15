/**
 * examples/tracing.ts in-process against the runtime double: the library's spans reach an
 * OpenTelemetry exporter with the names, nesting and attributes docs/tracing.md shows.
 * The tree the example prints must equal the one in docs/tracing.md, so the page cannot
 * drift from what the library emits.
 */
import { describe, expect, it } from "@effect/vitest"
import { SpanKind, SpanStatusCode } from "@opentelemetry/api"
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { render, traced } from "./tracing.js"

const documented = (): string => {
  const page = readFileSync(new URL("../docs/tracing.md", import.meta.url), "utf8")
  const m = /<!-- spans of examples\/tracing\.ts -->\s*```text\n([\s\S]*?)\n```/.exec(page)
  expect(m, "docs/tracing.md: the ```text block after <!-- spans of examples/tracing.ts -->").not.toBeNull()
  return m![1]!
}

describe("examples/tracing.ts", () => {
  it.effect("exports the library's spans, as docs/tracing.md shows them", () =>
    Effect.gen(function*() {
      const spans = yield* traced({ libraryPath: process.env.MSBD_LIBRARY })
      const byName = (name: string): ReadableSpan => {
        const found = spans.filter((s) => s.name === name)
        expect(found.map((s) => s.name), name).toEqual([name])
        return found[0]!
      }
      const parentName = (s: ReadableSpan) =>
        spans.find((p) => p.spanContext().spanId === s.parentSpanContext?.spanId)?.name

      // The runtime's layer: a root span of its own.
      const runtime = byName("Microsandbox.make")
      expect(parentName(runtime)).toBeUndefined()
      expect(runtime.attributes["msb.runtime_version"]).toBe(runtime.attributes["msb.sdk_version"])
      expect(runtime.attributes["msb.library"]).toBe(process.env.MSBD_LIBRARY)

      // One span per public operation, under the application's span.
      for (
        const name of ["Sandbox.make", "Sandbox.exec", "SandboxFs.write", "SandboxFs.read", "Sandbox.get"]
      ) {
        const span = byName(name)
        expect(parentName(span), name).toBe("tracing-example")
        expect(span.kind, name).toBe(SpanKind.INTERNAL)
        expect(span.attributes["msb.runtime_version"], name).toBe("0.6.14")
      }
      expect(byName("Sandbox.make").attributes["msb.sandbox"]).toBe("tracing-demo")
      expect(byName("SandboxFs.write").attributes["msb.path"]).toBe("/tmp/note.txt")

      // A native call outside its own operation's span is a client span of its own.
      const close = byName("msb.msb_exec_close")
      expect(close.kind).toBe(SpanKind.CLIENT)
      expect(parentName(close)).toBe("Sandbox.exec")
      expect(close.attributes["msb.operation"]).toBe("Exec.release")

      // A handled failure still marks its span.
      const missing = byName("Sandbox.get")
      expect(missing.status.code).toBe(SpanStatusCode.ERROR)
      expect(missing.events.map((e) => e.name)).toContain("exception")
      expect(spans.filter((s) => s.status.code === SpanStatusCode.ERROR).map((s) => s.name)).toEqual([
        "Sandbox.get"
      ])

      // The release at the end of the scope, inside the application's span.
      expect(parentName(byName("Sandbox.release"))).toBe("tracing-example")

      expect(render(spans)).toBe(documented())
    }))
})
