/**
 * Import → first call, cold, each run in a fresh `node` process (bench/import-probe.mjs):
 * the core entry and the Node entry as built in dist/, against importing `effect` alone and
 * a raw koffi call of the same function (`msb_version`). Prints one JSON line per subject
 * (medians of RUNS runs, default 5), with the modules each loaded.
 *
 *   npm run build && MICROSANDBOX_FFI_PATH=... tsx bench/import.ts
 *   IMPORT_ENTRIES="before=/path/to/old/dist/index.js" ...   # more entries to compare
 */
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const probe = join(root, "bench", "import-probe.mjs")
const runs = Number(process.env.RUNS ?? "5")
const core = join(root, "dist", "index.js")
if (!existsSync(core)) {
  process.stderr.write("dist/ is missing: run `npm run build` first\n")
  process.exit(2)
}

interface Sample {
  readonly label: string
  readonly importMs: number
  readonly firstCallMs: number
  readonly esmModules: number
  readonly cjsModules: number
}

const once = (env: Record<string, string>): Sample => {
  const out = execFileSync(process.execPath, [probe], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"]
  })
  return JSON.parse(out.trim().split("\n").pop()!) as Sample
}

/**
 * The packages' modules the core entry loads (bare specifiers reachable from dist/index.js
 * through its relative imports, `node:` built-ins aside): importing these alone is what
 * the library cannot go below — its dependencies' own import cost.
 */
const dependencies = (entry: string): ReadonlyArray<string> => {
  const seen = new Set<string>()
  const bare = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    const text = readFileSync(file, "utf8")
    for (const m of text.matchAll(/^(?:import|export)[^"\n]*from "([^"]+)"/gm)) {
      const spec = m[1]!
      if (spec.startsWith(".")) visit(join(dirname(file), spec))
      else if (!spec.startsWith("node:")) bare.add(spec)
    }
  }
  visit(entry)
  return [...bare].sort()
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const subjects: Array<Record<string, string>> = [
  { LABEL: "effect (barrel)", MODE: "effect" },
  { LABEL: "effect/Effect", MODE: "effect", EFFECT_MODULE: "effect/Effect" },
  { LABEL: "the core entry's dependencies", MODE: "effect", EFFECT_MODULES: dependencies(core).join(",") },
  { LABEL: "raw koffi", MODE: "koffi" },
  { LABEL: "core entry", MODE: "entry", ENTRY: core },
  { LABEL: "node entry", MODE: "entry", ENTRY: join(root, "dist", "node", "index.js"), CORE: core },
  ...(process.env.IMPORT_ENTRIES ?? "").split(",").filter((s) => s.includes("=")).map((s) => {
    const [label, path] = s.split("=") as [string, string]
    return { LABEL: label, MODE: "entry", ENTRY: path }
  })
]

// Interleaved rounds, so that a busy moment of the machine hits every subject alike.
const samples = new Map<string, Array<Sample>>()
for (let i = 0; i < runs; i++) {
  for (const s of subjects) {
    const list = samples.get(s.LABEL!) ?? []
    list.push(once(s))
    samples.set(s.LABEL!, list)
  }
}
for (const [label, list] of samples) {
  process.stdout.write(
    JSON.stringify({
      subject: label,
      runs: list.length,
      importMs: median(list.map((s) => s.importMs)),
      firstCallMs: median(list.map((s) => s.firstCallMs)),
      esmModules: list[0]!.esmModules,
      cjsModules: list[0]!.cjsModules
    }) + "\n"
  )
}
