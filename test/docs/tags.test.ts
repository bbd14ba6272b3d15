/**
 * Every public export is documented the way docgen (and Effect's own modules) expect: the
 * module's comment carries `@since`; every exported declaration carries `@since` and
 * `@category`, and every public member of an exported class `@since`. Public modules are
 * those package.json `exports` lists; `@internal` declarations are not part of the API.
 * This runs in milliseconds (a parse, no type-check); `npm run docs -- --check` is the
 * slower check that docs/reference/ matches the sources.
 */
import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { declarations, moduleTags, publicModules, root } from "./exports.js"

const version =
  (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { readonly version: string }).version
const parts = (v: string) => v.split(".").map(Number)
/** `@since` names a released version: x.y.z, not after the package's own. */
const validSince = (v: string): boolean => {
  if (!/^\d+\.\d+\.\d+$/.test(v)) return false
  const [a, b] = [parts(v), parts(version)]
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]!
  return true
}

describe("@since and @category on every public export", () => {
  const modules = publicModules()

  it("finds the public modules through package.json exports", () => {
    expect(modules).toContain("src/index.ts")
    expect(modules).toContain("src/Sandbox.ts")
    expect(modules).toContain("src/node/index.ts")
    expect(modules.some((m) => m.startsWith("src/internal/"))).toBe(false)
  })

  it("accepts only versions up to the package's as @since", () => {
    expect(validSince(version)).toBe(true)
    expect(validSince("0.0.1")).toBe(true)
    expect(validSince("99.0.0")).toBe(false)
    expect(validSince("next")).toBe(false)
  })

  it("reads tags the way docgen does (a tag starts a line)", () => {
    const sample = [
      "/** Text. @since 0.1.0 */",
      "export const inline = 1",
      "/**",
      " * Text.",
      " *",
      " * @since 0.1.0",
      " * @category constructors",
      " */",
      "export const tagged = 1",
      "/** @internal */",
      "export const hidden = 1",
      "export class C {",
      "  /** @since 0.1.0 */",
      "  get x(): number { return 1 }",
      "  private y = 1",
      "}"
    ].join("\n")
    const found = declarations("src/sample.ts", sample).declarations.map((d) => ({
      name: d.name,
      since: d.tags.get("since"),
      category: d.tags.get("category")
    }))
    expect(found).toEqual([
      { name: "inline", since: undefined, category: undefined },
      { name: "tagged", since: "0.1.0", category: "constructors" },
      { name: "C", since: undefined, category: undefined },
      { name: "C.x", since: "0.1.0", category: undefined }
    ])
  })

  it("every public module and export has them", () => {
    const missing: Array<string> = []
    let count = 0
    for (const module of modules) {
      if (!moduleTags(module).has("since")) missing.push(`${module}: the module comment has no @since`)
      for (const d of declarations(module).declarations) {
        count++
        const lacks = [
          d.tags.has("since") ? undefined : "@since",
          d.member || d.tags.has("category") ? undefined : "@category"
        ].filter((t) => t !== undefined)
        if (lacks.length > 0) missing.push(`${d.module}:${d.line} ${d.name}: no ${lacks.join(", ")}`)
        const since = d.tags.get("since")
        if (since !== undefined && !validSince(since)) {
          missing.push(`${d.module}:${d.line} ${d.name}: @since ${since} is not a version up to ${version}`)
        }
        if (d.tags.get("category") === "") missing.push(`${d.module}:${d.line} ${d.name}: an empty @category`)
      }
    }
    expect(count).toBeGreaterThan(300)
    expect(missing).toEqual([])
  })
})
