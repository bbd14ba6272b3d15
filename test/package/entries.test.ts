// What each entry loads, read from the sources' import graph (no build needed), and the
// package's `exports` against the public modules.
import { describe, expect, it } from "@effect/vitest"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(fileURLToPath(import.meta.url), "..", "..", "..")
const src = join(root, "src")

/** Every module reachable from `entry` by static imports (type-only imports excluded): local files and packages. */
const graph = (entry: string) => {
  const files = new Set<string>()
  const packages = new Map<string, string>()
  const visit = (file: string) => {
    if (files.has(file)) return
    files.add(file)
    const text = readFileSync(file, "utf8")
    for (
      const m of text.matchAll(/^(?:import|export)\s+(?!type\s)[^"']*?from\s+"([^"]+)"|^import\s+"([^"]+)"/gm)
    ) {
      const spec = (m[1] ?? m[2])!
      if (spec.startsWith(".")) visit(resolve(dirname(file), spec.replace(/\.js$/, ".ts")))
      else if (!packages.has(spec)) packages.set(spec, relative(root, file))
    }
  }
  visit(entry)
  return { files: [...files].map((f) => relative(root, f)), packages }
}

describe("entries", () => {
  it("the core entry reaches no Node platform layer, no CLI, nothing of src/node", () => {
    const { files, packages } = graph(join(src, "index.ts"))
    expect(files.filter((f) => f.startsWith("src/node/") || f.startsWith("src/bin/"))).toEqual([])
    const heavy = [...packages].filter(([p]) =>
      /^(@effect\/platform-node|@effect\/cli|@effect\/printer|undici)/.test(p)
    )
    expect(heavy).toEqual([])
    // sanity: the walk does follow the core's imports
    expect(files).toContain("src/internal/bootFailure.ts")
    expect(packages.has("koffi")).toBe(true)
  })

  it("the node entry reaches the installer and the doctor, and not the CLI", () => {
    const { files, packages } = graph(join(src, "node", "index.ts"))
    expect(files).toEqual(expect.arrayContaining(["src/node/Installer.ts", "src/node/Doctor.ts"]))
    expect(files).not.toContain("src/node/Cli.ts")
    expect([...packages.keys()].filter((p) => p.startsWith("@effect/cli"))).toEqual([])
  })

  it("exports lists every public module, and only those", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      exports: Record<string, { types: string; import: string } | string>
    }
    const modules = (dir: string, prefix: string) =>
      readdirSync(join(src, dir))
        .filter((f) => f.endsWith(".ts") && f !== "index.ts")
        .map((f) => `./${prefix}${f.slice(0, -3)}`)
    const expected = [
      ".",
      ...modules(".", ""),
      ...(existsSync(join(src, "node")) ? ["./node", ...modules("node", "node/")] : []),
      "./package.json"
    ].sort()
    expect(Object.keys(pkg.exports).sort()).toEqual(expected)
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === "string") continue
      const source = target.import.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts")
      expect({ subpath, source: existsSync(join(root, source)) }).toEqual({ subpath, source: true })
      expect(target.types).toBe(target.import.replace(/\.js$/, ".d.ts"))
    }
  })
})
