// After `tsc -p tsconfig.build.json`: removes every declaration marked `@internal` from the
// declaration files in dist/ (what `stripInternal` does), except that a module's header
// comment does not count: tsc's `stripInternal` reads an internal module's header
// (`/** … @internal */` above its first import) as marking that import, drops it, and leaves
// the module's declarations unresolvable. Internal modules stay out of reach through
// package.json `exports`; their declarations stay complete so public ones can refer to them.
// Removed text is replaced by as many newlines, so declaration maps keep their lines.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const dist = resolve(root, process.argv[2] ?? "dist")

const files = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".d.ts") ? [path] : []
  })

/** Whether a JSDoc comment before `node` (other than the file's header) says `@internal`. */
const isInternal = (text, node) => {
  if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return false
  const ranges = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? []
  return ranges.some((r) => r.pos > 0 && /^\/\*\*[\s\S]*@internal\b/.test(text.slice(r.pos, r.end)))
}

let removed = 0
for (const file of files(dist)) {
  const text = readFileSync(file, "utf8")
  if (!text.includes("@internal")) continue
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const cuts = []
  const visit = (node) => {
    if (
      (ts.isStatement(node) || ts.isClassElement(node) || ts.isTypeElement(node) || ts.isEnumMember(node)) &&
      isInternal(text, node)
    ) {
      cuts.push([node.getFullStart(), node.getEnd()])
      return
    }
    ts.forEachChild(node, visit)
  }
  ts.forEachChild(source, visit)
  if (cuts.length === 0) continue
  let out = text
  for (const [start, end] of cuts.sort((a, b) => b[0] - a[0])) {
    out = out.slice(0, start) + out.slice(start, end).replace(/[^\n]/g, "") + out.slice(end)
  }
  writeFileSync(file, out)
  removed += cuts.length
}
process.stdout.write(`strip-internal: removed ${removed} @internal declarations from ${dist}\n`)
