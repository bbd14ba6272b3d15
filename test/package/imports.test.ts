/**
 * The shape of src/'s module graph: the imports that survive compilation (value imports,
 * as `tsc` emits them: an import used only as a type is erased) form no cycle, and no
 * internal module (src/internal/**) imports a value from a public module (src/X.ts,
 * src/node/*, src/bin/*). Public modules re-export what their internals define; types
 * cross freely (`import type`).
 *
 * There is no exception: the error classes internal modules construct everywhere are
 * defined in src/internal/errorModel.ts, and MicrosandboxError.ts re-exports them with
 * their documentation, as the other public modules do with their models.
 */
import { describe, expect, it } from "@effect/vitest"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, normalize, relative } from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

const root = fileURLToPath(new URL("../..", import.meta.url))
const srcDir = join(root, "src")

const walk = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path) : name.endsWith(".ts") ? [path] : []
  })

/** The relative modules a file loads at run time: its imports after type erasure. */
const valueImports = (file: string): ReadonlyArray<string> => {
  const emitted = ts.transpileModule(readFileSync(file, "utf8"), {
    fileName: file,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: false,
      isolatedModules: true
    }
  }).outputText
  const specifiers = ts.preProcessFile(emitted, true, true).importedFiles.map((f) => f.fileName)
  return specifiers
    .filter((s) => s.startsWith("."))
    .map((s) => relative(srcDir, normalize(join(dirname(file), s.replace(/\.js$/, ".ts")))))
}

const graph: ReadonlyMap<string, ReadonlyArray<string>> = new Map(
  walk(srcDir).map((file) => [relative(srcDir, file), valueImports(file)])
)

const isInternal = (module: string) => module.startsWith(`internal/`)

/** Public modules internal ones may import values from: none (see the header). */
const allowed = new Set<string>()

/** Tarjan's strongly connected components with more than one module (or a self-import). */
const cycles = (g: ReadonlyMap<string, ReadonlyArray<string>>): ReadonlyArray<ReadonlyArray<string>> => {
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: Array<string> = []
  const onStack = new Set<string>()
  const out: Array<Array<string>> = []
  const visit = (v: string) => {
    index.set(v, next)
    low.set(v, next)
    next++
    stack.push(v)
    onStack.add(v)
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!))
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: Array<string> = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1 || (g.get(v) ?? []).includes(v)) out.push(component.sort())
    }
  }
  for (const v of [...g.keys()].sort()) if (!index.has(v)) visit(v)
  return out
}

describe("the module graph of src/", () => {
  it("is read from every source file", () => {
    // the walk found the modules this test is about (a broken walk would pass vacuously)
    expect(graph.get("Sandbox.ts")).toContain("internal/sandbox.ts")
    expect(graph.size).toBeGreaterThan(50)
  })

  it("allows only leaf modules as exceptions", () => {
    // an allowed public module importing another module of src/ could close a cycle
    for (const module of allowed) expect(graph.get(module)).toEqual([])
  })

  it("has no cycle among value imports", () => {
    expect(cycles(graph)).toEqual([])
  })

  it("has no value import from an internal module of a public module", () => {
    const offending = [...graph].flatMap(([from, tos]) =>
      isInternal(from)
        ? tos.filter((to) => !isInternal(to) && !allowed.has(to)).map((to) => `${from} -> ${to}`)
        : []
    )
    expect(offending.sort()).toEqual([])
  })
})
