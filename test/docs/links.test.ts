/**
 * References inside the repository resolve in a clone: relative markdown links (and their
 * `#anchors`) in README.md, docs/ and test/double/README.md, and every citation of
 * `docs/runtime-abi.md §…` in the sources, tests and documents.
 */
import { describe, expect, it } from "@effect/vitest"
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../..", import.meta.url))
const read = (file: string): string => readFileSync(join(root, file), "utf8")

const walk = (dir: string): ReadonlyArray<string> =>
  readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name)
    if (name === "node_modules" || name === "build" || name.startsWith(".")) return []
    return statSync(join(root, path)).isDirectory() ? walk(path) : [path]
  })

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string): string =>
  heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-")

/** Markdown without its fenced code blocks (links inside code are not links). */
const prose = (text: string): string => text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "")

const anchors = (file: string): Set<string> =>
  new Set([...prose(read(file)).matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)))

const markdown = [
  "README.md",
  "test/double/README.md",
  ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)
]

describe("links and citations", () => {
  it("the slug rule gives GitHub's anchors", () => {
    expect(slug("5.6.1 Exec options document (`exec_opts_json`)")).toBe(
      "561-exec-options-document-exec_opts_json"
    )
    expect(slug("Boots that fail for host reasons")).toBe("boots-that-fail-for-host-reasons")
  })

  it("every relative markdown link points at a file (and heading) of the repository", () => {
    const broken: Array<string> = []
    for (const file of markdown) {
      for (const m of prose(read(file)).matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!
        if (/^[a-z]+:/.test(target)) continue // http:, https:, mailto:
        const [path, anchor] = target.split("#") as [string, string | undefined]
        const resolved = path === "" ? file : relative(root, join(root, dirname(file), path))
        if (!existsSync(join(root, resolved))) {
          broken.push(`${file}: ${target} (no file ${resolved})`)
        } else if (anchor !== undefined && resolved.endsWith(".md") && !anchors(resolved).has(anchor)) {
          broken.push(`${file}: ${target} (no heading #${anchor} in ${resolved})`)
        }
      }
    }
    expect(broken).toEqual([])
  })

  it("every citation of docs/runtime-abi.md names a section it has", () => {
    const reference = read("docs/runtime-abi.md")
    const sections = new Set(
      [...reference.matchAll(/^#{2,4} (\d+(?:\.\d+)*)\.? /gm)].map((m) => m[1]!)
    )
    expect(sections.has("2.3")).toBe(true)
    const files = [
      ...markdown,
      ...["src", "test", "bench", "examples", "scripts"].filter((d) => existsSync(join(root, d))).flatMap(
        walk
      )
    ].filter((f) => /\.(ts|mts|mjs|js|md|cpp|hpp|h)$/.test(f) && f !== "docs/runtime-abi.md")
    const cited: Array<string> = []
    const missing: Array<string> = []
    for (const file of files) {
      for (const line of read(file).split("\n")) {
        // A citation: the file name, then section numbers up to the end of the clause.
        for (
          const m of line.matchAll(
            /runtime-abi\.md(?:#[\w-]+)?\)?,?((?:[ ,–-]*(?:§\s?)[\d.]+(?:[–-][\d.]+)?)+)/g
          )
        ) {
          for (const n of m[1]!.matchAll(/(\d+(?:\.\d+)*)/g)) {
            const number = n[1]!.replace(/\.$/, "")
            cited.push(number)
            if (!sections.has(number)) missing.push(`${file}: §${number}`)
          }
        }
      }
    }
    // The sources cite the reference throughout; an empty list would mean the pattern broke.
    expect(cited.length).toBeGreaterThan(20)
    expect(missing).toEqual([])
  })
})
