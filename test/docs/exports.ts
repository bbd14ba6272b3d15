/**
 * The public surface as the documentation sees it: the modules package.json `exports`
 * lists (mapped back to src/), and each one's exported declarations with their JSDoc tags
 * read the way docgen (doctrine) reads them — a tag starts a comment line, so
 * `/** text @since 0.1.0 *\/` on one line has no `@since`.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

export const root = fileURLToPath(new URL("../..", import.meta.url))

/** src/ paths (relative to the root) of every module package.json `exports` lists. */
export const publicModules = (): ReadonlyArray<string> => {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    readonly exports: Record<string, string | { readonly import?: string }>
  }
  return Object.values(pkg.exports).flatMap((entry) => {
    const target = typeof entry === "string" ? entry : entry.import
    const m = target === undefined ? null : /^\.\/dist\/(.+)\.js$/.exec(target)
    return m === null ? [] : [`src/${m[1]}.ts`]
  }).sort()
}

export interface Declaration {
  readonly module: string
  /** `name`, `Class.member` or `Namespace.name`. */
  readonly name: string
  readonly line: number
  /** Top-level declarations need `@category`; class members only `@since`. */
  readonly member: boolean
  readonly tags: ReadonlyMap<string, string>
  readonly hasDoc: boolean
}

/** Tags of the last JSDoc comment of a node, as doctrine sees them (one per line start). */
const tagsOf = (
  node: ts.Node,
  sf: ts.SourceFile
): { readonly has: boolean; readonly tags: Map<string, string> } => {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc)
  const doc = docs[docs.length - 1]
  const tags = new Map<string, string>()
  if (doc === undefined) return { has: false, tags }
  for (const line of sf.text.slice(doc.pos, doc.end).split("\n")) {
    const m = /^\s*(?:\/\*\*|\*)?\s*@(\w+)\s*(.*?)\s*(?:\*\/)?\s*$/.exec(line)
    if (m) tags.set(m[1]!, m[2]!)
  }
  return { has: true, tags }
}

const isExported = (node: ts.Node): boolean =>
  ts.canHaveModifiers(node) &&
  (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)

const isPublicMember = (m: ts.ClassElement): boolean =>
  !ts.isConstructorDeclaration(m) && !ts.isClassStaticBlockDeclaration(m) && !ts.isSemicolonClassElement(m) &&
  !((ts.canHaveModifiers(m) ? ts.getModifiers(m) : undefined) ?? []).some((x) =>
    x.kind === ts.SyntaxKind.PrivateKeyword || x.kind === ts.SyntaxKind.ProtectedKeyword
  ) && !(m.name !== undefined && ts.isPrivateIdentifier(m.name))

/** Every exported declaration of a module (and the public members of its exported classes). */
export const declarations = (module: string, text = readFileSync(join(root, module), "utf8")) => {
  const sf = ts.createSourceFile(module, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS)
  const out: Array<Declaration> = []
  const add = (node: ts.Node, name: string, member: boolean) => {
    const { has, tags } = tagsOf(node, sf)
    // `@internal` declarations are not part of the API (stripped from the declarations, skipped by docgen).
    if (tags.has("internal")) return
    out.push({
      module,
      name,
      member,
      tags,
      hasDoc: has,
      line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1
    })
  }
  const visit = (statements: ReadonlyArray<ts.Statement>, prefix: string) => {
    const seen = new Set<string>()
    for (const s of statements) {
      if (ts.isExportDeclaration(s)) {
        add(s, s.getText(sf).replace(/\s+/g, " "), false)
        continue
      }
      if (!isExported(s)) continue
      if (ts.isVariableStatement(s)) {
        for (const d of s.declarationList.declarations) add(s, prefix + d.name.getText(sf), false)
      } else if (
        (ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s) || ts.isInterfaceDeclaration(s) ||
          ts.isTypeAliasDeclaration(s) || ts.isEnumDeclaration(s)) && s.name
      ) {
        const name = prefix + s.name.text
        // Overloads: the first signature carries the documentation.
        if (ts.isFunctionDeclaration(s) && seen.has(name)) continue
        seen.add(name)
        add(s, name, false)
        if (ts.isClassDeclaration(s)) {
          for (const m of s.members) {
            if (isPublicMember(m) && m.name !== undefined) add(m, `${name}.${m.name.getText(sf)}`, true)
          }
        }
      } else if (ts.isModuleDeclaration(s) && s.body && ts.isModuleBlock(s.body)) {
        add(s, prefix + s.name.getText(sf), false)
        visit(s.body.statements, `${prefix}${s.name.getText(sf)}.`)
      }
    }
  }
  visit(sf.statements, "")
  return { declarations: out, sourceFile: sf }
}

/** The module's own comment: the first JSDoc of the file, before any statement. */
export const moduleTags = (module: string, text = readFileSync(join(root, module), "utf8")) => {
  const m = /^\s*\/\*\*([\s\S]*?)\*\//.exec(text)
  const tags = new Map<string, string>()
  if (m === null) return tags
  for (const line of m[1]!.split("\n")) {
    const t = /^\s*\*?\s*@(\w+)\s*(.*?)\s*$/.exec(line)
    if (t) tags.set(t[1]!, t[2]!)
  }
  return tags
}
