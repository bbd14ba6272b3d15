/**
 * Every fenced `ts` block of README.md and docs/*.md is type-checked against the package's
 * own sources, so the documentation cannot drift from the API.
 *
 * - One TypeScript program holds every snippet (plus src/ through the imports), so the
 *   check costs one compilation however many snippets there are.
 * - `effect-microsandbox` (and `effect-microsandbox/<Module>`) resolve to src/, as a user's
 *   import of the published package resolves to its declarations.
 * - A snippet may leave out the imports a reader takes for granted: any of the names in
 *   `implicitImports` it uses without importing is imported for it, and `sandbox` (a running
 *   `Sandbox.Sandbox`) is in scope unless the snippet declares its own. Everything else must
 *   be written out, and statements with `yield*` belong inside `Effect.gen(function*() {…})`
 *   (a top-level `yield*` is also what dprint reformats into a multiplication).
 * - A block whose info string is `ts no-check` is not compiled. Keep that rare: for a
 *   fragment that cannot be a program (say, a type signature listing), and say why in the
 *   text next to it.
 * - Every `@example` of the public modules' JSDoc is compiled too, as written (no implicit
 *   imports, no `sandbox`): docgen type-checks and runs them the same way when it generates
 *   docs/reference/ (`npm run docs`), this check keeps them honest in `npm test`.
 */
import { describe, expect, it } from "@effect/vitest"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"
import { publicModules } from "./exports.js"

const root = fileURLToPath(new URL("../..", import.meta.url))

interface Snippet {
  /** Where the block is, for messages: `docs/exec.md:12`. */
  readonly origin: string
  /** The markdown file and the line of the block's first code line (1-based). */
  readonly file: string
  readonly line: number
  readonly code: string
  readonly check: boolean
}

const documents = (): ReadonlyArray<string> => [
  "README.md",
  ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)
]

/** The fenced blocks whose language is `ts` (or `typescript`), with their position. */
const extract = (file: string): ReadonlyArray<Snippet> => {
  const lines = readFileSync(join(root, file), "utf8").split("\n")
  const out: Array<Snippet> = []
  let open: { fence: string; info: string; start: number; body: Array<string> } | undefined
  lines.forEach((text, i) => {
    if (open === undefined) {
      const m = /^\s*(```+|~~~+)\s*(.*)$/.exec(text)
      if (m) open = { fence: m[1]!, info: m[2]!.trim(), start: i + 2, body: [] }
      return
    }
    if (text.trim().startsWith(open.fence) && text.trim().replace(/[`~]/g, "") === "") {
      const words = open.info.split(/\s+/)
      if (words[0] === "ts" || words[0] === "typescript") {
        out.push({
          origin: `${file}:${open.start}`,
          file,
          line: open.start,
          code: open.body.join("\n"),
          check: !words.includes("no-check")
        })
      }
      open = undefined
      return
    }
    open.body.push(text)
  })
  expect(open, `${file}: an unclosed code fence`).toBeUndefined()
  return out
}

/** The fenced blocks of the `@example` tags of a source file's JSDoc comments. */
const examples = (file: string): ReadonlyArray<Snippet> => {
  const lines = readFileSync(join(root, file), "utf8").split("\n")
  const out: Array<Snippet> = []
  lines.forEach((text, i) => {
    if (!/^\s*\*\s*@example\s*$/.test(text)) return
    const fence = /^\s*\*\s*```(ts|typescript)?\s*$/.exec(lines[i + 1] ?? "")
    expect(fence?.[1], `${file}:${i + 1}: an @example is a fenced ts block`).toBeDefined()
    const body: Array<string> = []
    let j = i + 2
    for (; j < lines.length && !/^\s*\*\s*```\s*$/.test(lines[j]!); j++) {
      expect(lines[j], `${file}:${j + 1}: an unclosed @example`).not.toMatch(/\*\//)
      body.push(lines[j]!.replace(/^\s*\* ?/, ""))
    }
    out.push({ origin: `${file}:${i + 3}`, file, line: i + 3, code: body.join("\n"), check: true })
  })
  return out
}

/** Names a snippet may use without importing them, and the module each comes from. */
const implicitImports: ReadonlyArray<readonly [module: string, names: ReadonlyArray<string>]> = [
  ["effect", [
    "Chunk",
    "Console",
    "Duration",
    "Effect",
    "Layer",
    "Option",
    "Schedule",
    "Scope",
    "Sink",
    "Stream"
  ]],
  ["effect-microsandbox", [
    "Exec",
    "Init",
    "Installer",
    "Logs",
    "Metrics",
    "Microsandbox",
    "MicrosandboxError",
    "Mount",
    "Network",
    "Patch",
    "RootDisk",
    "Sandbox",
    "SandboxConfig",
    "SandboxFilter",
    "SandboxHandle",
    "Secret"
  ]]
]

/** Names the snippet binds itself (imports and top-level declarations, roughly). */
const boundNames = (code: string): Set<string> => {
  const sf = ts.createSourceFile("snippet.ts", code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS)
  const names = new Set<string>()
  const bind = (name: ts.BindingName | undefined) => {
    if (name === undefined) return
    if (ts.isIdentifier(name)) names.add(name.text)
    else for (const e of name.elements) if (!ts.isOmittedExpression(e)) bind(e.name)
  }
  for (const s of sf.statements) {
    if (ts.isImportDeclaration(s)) {
      const c = s.importClause
      if (c?.name) names.add(c.name.text)
      const nb = c?.namedBindings
      if (nb && ts.isNamespaceImport(nb)) names.add(nb.name.text)
      if (nb && ts.isNamedImports(nb)) { for (const e of nb.elements) names.add(e.name.text) }
    } else if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) bind(d.name)
    } else if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name) {
      names.add(s.name.text)
    }
  }
  return names
}

/** The snippet, then (after its last line, so line numbers stay those of the block) what it may assume. */
const toModule = (code: string): string => {
  const bound = boundNames(code)
  const prelude: Array<string> = []
  for (const [module, names] of implicitImports) {
    const missing = names.filter((n) => !bound.has(n) && new RegExp(`\\b${n}\\b`).test(code))
    if (missing.length > 0) prelude.push(`import { ${missing.join(", ")} } from "${module}"`)
  }
  if (!bound.has("sandbox")) {
    prelude.push(`declare const sandbox: import("effect-microsandbox").Sandbox.Sandbox`)
  }
  return `${code}\n${prelude.join("\n")}\nexport {}\n`
}

const compilerOptions = (): ts.CompilerOptions => {
  const config = ts.readConfigFile(join(root, "tsconfig.base.json"), ts.sys.readFile)
  expect(config.error).toBeUndefined()
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root)
  return {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    // A snippet shows a call and its result; it need not use every value it names.
    noUnusedLocals: false,
    noUnusedParameters: false,
    paths: {
      "effect-microsandbox": [join(root, "src/index.ts")],
      "effect-microsandbox/node": [join(root, "src/node/index.ts")],
      "effect-microsandbox/*": [join(root, "src/*.ts")]
    }
  }
}

/** Type-checks the given modules (virtual files under docs/) in one program. */
const typeCheck = (
  modules: ReadonlyMap<string, string>
): ReadonlyArray<{ readonly fileName: string; readonly line: number; readonly message: string }> => {
  const options = compilerOptions()
  const host = ts.createCompilerHost(options)
  const { fileExists, readFile, getSourceFile } = host
  host.fileExists = (f) => modules.has(f) || fileExists.call(host, f)
  host.readFile = (f) => modules.get(f) ?? readFile.call(host, f)
  host.getSourceFile = (f, language, onError, create) => {
    const text = modules.get(f)
    return text !== undefined
      ? ts.createSourceFile(f, text, language, true, ts.ScriptKind.TS)
      : getSourceFile.call(host, f, language, onError, create)
  }
  const program = ts.createProgram([...modules.keys()], options, host)
  return [...modules.keys()].flatMap((fileName) => {
    const sf = program.getSourceFile(fileName)!
    return [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)].map((d) => ({
      fileName,
      line: d.start === undefined ? 0 : sf.getLineAndCharacterOfPosition(d.start).line,
      message: `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`
    }))
  })
}

describe("documentation snippets", () => {
  const snippets = documents().flatMap(extract)
  const checked = snippets.filter((s) => s.check)
  const jsdoc = publicModules().flatMap(examples)

  it("finds the snippets, and few are exempt", () => {
    expect(checked.length).toBeGreaterThanOrEqual(10)
    // Exempting a block is for fragments that cannot be programs; it stays the exception.
    expect(snippets.length - checked.length).toBeLessThanOrEqual(2)
    // The public modules' JSDoc examples (40 when they became @example blocks).
    expect(jsdoc.length).toBeGreaterThanOrEqual(40)
  })

  it(
    "every ts block of README.md and docs/*.md, and every JSDoc @example, compiles against the sources",
    () => {
      const modules = new Map<string, string>()
      const origin = new Map<string, Snippet>()
      // A snippet known to be wrong: proves that the check reports what it should.
      const canary = join(root, "docs", "__canary__.ts")
      modules.set(canary, toModule(`const n: number = Sandbox.make\nyield* sandbox.exec("ls")`))
      checked.forEach((s, i) => {
        const fileName = join(root, "docs", `__snippet_${i}__.ts`)
        modules.set(fileName, toModule(s.code))
        origin.set(fileName, s)
      })
      jsdoc.forEach((s, i) => {
        const fileName = join(root, "docs", `__example_${i}__.ts`)
        modules.set(fileName, `${s.code}\nexport {}\n`)
        origin.set(fileName, s)
      })

      const diagnostics = typeCheck(modules)

      const fromCanary = diagnostics.filter((d) => d.fileName === canary)
      // A type error, and a top-level `yield*` (parsed as `yield * …`: `yield` is reserved).
      expect(fromCanary.filter((d) => d.line === 0).map((d) => d.message.slice(0, 6))).toEqual(["TS2322"])
      expect(fromCanary.filter((d) => d.line === 1).map((d) => d.message.slice(0, 6))).toContain("TS1214")

      const problems = diagnostics.filter((d) => d.fileName !== canary).map((d) => {
        const s = origin.get(d.fileName)!
        const line = d.line < s.code.split("\n").length ? `${s.line + d.line}` : `${s.line} (prelude)`
        return `${s.file}:${line}: ${d.message}`
      })
      expect(problems).toEqual([])
    },
    180_000
  ) // one compilation of src/ and every snippet: ~10 s alone, slower on a busy machine
})
