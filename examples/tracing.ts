/**
 * The library's spans exported through OpenTelemetry with `@effect/opentelemetry`: a
 * small program (boot a sandbox, run a command, write and read a file, look up a sandbox
 * that does not exist, stop it) under
 * `NodeSdk.layer` with an in-memory span exporter, then the spans printed as a tree with
 * the attributes the library sets. Swap the exporter for an OTLP one
 * (`@opentelemetry/exporter-trace-otlp-http`) to see the same spans in Jaeger, Tempo or
 * Honeycomb. docs/tracing.md explains the names and attributes.
 *
 *   npm run example -- examples/tracing.ts      (against the runtime double)
 */
import { NodeSdk } from "@effect/opentelemetry"
import { SpanStatusCode } from "@opentelemetry/api"
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect } from "effect"
import { resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { Microsandbox, Sandbox, SandboxConfig } from "../src/index.js"

/** The traced program: the application's own span, with the library's spans inside it. */
export const program = Effect.scoped(
  Effect.gen(function*() {
    const sandbox = yield* Sandbox.make("tracing-demo", SandboxConfig.image("alpine"))
    yield* sandbox.exec("echo", ["traced"])
    yield* sandbox.fs.write("/tmp/note.txt", "written from the host\n")
    yield* sandbox.fs.readString("/tmp/note.txt")
    // A failure is recorded on its span (status ERROR, an exception event) even when handled.
    yield* Sandbox.get("no-such-sandbox").pipe(Effect.ignore)
  })
).pipe(Effect.withSpan("tracing-example"))

/**
 * Runs `program` with the runtime (`libraryPath`, else the usual search) and an
 * OpenTelemetry tracer provider whose spans go to an in-memory exporter; returns the
 * finished spans, read after the runtime's layer is released and before the provider
 * shuts down (the in-memory exporter forgets its spans on shutdown).
 */
export const traced = (
  options: Microsandbox.Options = {}
): Effect.Effect<ReadonlyArray<ReadableSpan>, unknown> =>
  Effect.suspend(() => {
    const exporter = new InMemorySpanExporter()
    const Tracing = NodeSdk.layer(() => ({
      resource: { serviceName: "effect-microsandbox-example" },
      spanProcessor: new SimpleSpanProcessor(exporter)
    }))
    // The tracer is provided around the runtime's layer too, so `Microsandbox.make` is traced.
    return program.pipe(
      Effect.provide(Microsandbox.layer(options)),
      Effect.map(() => exporter.getFinishedSpans()),
      Effect.provide(Tracing)
    )
  })

/** The spans as an indented tree (children under their parent, in start order). */
export const render = (spans: ReadonlyArray<ReadableSpan>): string => {
  const ids = new Set(spans.map((s) => s.spanContext().spanId))
  const parentOf = (s: ReadableSpan) => {
    const parent = s.parentSpanContext?.spanId
    return parent !== undefined && ids.has(parent) ? parent : undefined
  }
  const start = (s: ReadableSpan) => s.startTime[0] * 1e9 + s.startTime[1]
  const children = (parent: string | undefined) =>
    spans.filter((s) => parentOf(s) === parent).sort((a, b) => start(a) - start(b))
  const lines: Array<string> = []
  const visit = (s: ReadableSpan, depth: number) => {
    const attributes = Object.entries(s.attributes)
      .filter(([k]) => k.startsWith("msb."))
      .map(([k, v]) => `${k}=${k === "msb.library" ? "…" : JSON.stringify(v)}`)
    const failed = s.status.code === SpanStatusCode.ERROR ? `  ERROR: ${s.status.message}` : ""
    lines.push(
      `${"  ".repeat(depth)}${s.name}${attributes.length > 0 ? `  ${attributes.join(" ")}` : ""}${failed}`
    )
    for (const c of children(s.spanContext().spanId)) visit(c, depth + 1)
  }
  for (const root of children(undefined)) visit(root, 0)
  return lines.join("\n")
}

// Run as a script (not when a test imports it).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  traced().pipe(
    Effect.flatMap((spans) => Effect.sync(() => console.log(render(spans)))),
    Effect.runPromise
  ).catch((e) => {
    console.error(String(e))
    process.exit(1)
  })
}
