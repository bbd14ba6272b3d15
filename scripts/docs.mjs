// Generates the API reference (docs/reference/) from the sources with @effect/docgen:
//   npm run docs            regenerate docs/reference/
//   npm run docs -- --check regenerate into a scratch folder and fail if docs/reference/ differs
//
// docgen reads docgen.json and package.json from its working directory, rewrites an
// example's `from "effect-microsandbox/X"` to `from "../../src/X"` (relative to
// <outDir>/examples/), and needs a `homepage` in package.json (only for a Jekyll config we
// do not keep). So it runs in a scratch folder (a fresh temporary one per run) holding links to src/ and
// node_modules/, a package.json with the name, and docgen.json with `outDir: "out"`:
// out/examples/../../src is the scratch folder's src link. Every @example is type-checked
// (tsc) and then executed (tsx) by docgen; the examples build programs and run none that
// needs a runtime. The markdown of each module (out/modules/**.ts.md) is copied to
// docs/reference/ and formatted with dprint.
import { execFileSync } from "node:child_process"
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const check = process.argv.includes("--check")
const reference = join(root, "docs", "reference")
const bin = (name) => join(root, "node_modules", ".bin", name)

const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path) : [path]
  })

const started = process.hrtime.bigint()
const scratch = mkdtempSync(join(tmpdir(), "effect-microsandbox-docgen-"))
symlinkSync(join(root, "src"), join(scratch, "src"), "dir")
symlinkSync(join(root, "node_modules"), join(scratch, "node_modules"), "dir")
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
writeFileSync(
  join(scratch, "package.json"),
  JSON.stringify({
    name: pkg.name,
    version: pkg.version,
    homepage: pkg.homepage ?? "https://www.npmjs.com/package/" + pkg.name
  })
)
const config = JSON.parse(readFileSync(join(root, "docgen.json"), "utf8"))
delete config.$schema
writeFileSync(join(scratch, "docgen.json"), JSON.stringify({ ...config, outDir: "out" }, null, 2))

let output = ""
try {
  output = execFileSync(process.execPath, [join(root, "node_modules", "@effect", "docgen", "bin.cjs")], {
    cwd: scratch,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    // docgen runs `tsc` and `tsx` by name.
    env: { ...process.env, PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH}` }
  })
} catch (e) {
  process.stderr.write(`${e.stdout ?? ""}${e.stderr ?? ""}`)
  process.stderr.write(`docgen failed (its scratch folder ${scratch} is kept for inspection)\n`)
  process.exit(1)
}
process.stdout.write(output)

const generated = join(scratch, "out", "modules")
const target = check ? join(scratch, "reference") : reference
rmSync(target, { recursive: true, force: true })
mkdirSync(target, { recursive: true })
const modules = []
// Formatted as dprint formats docs/reference/<name> (through stdin: the scratch folder is
// outside the project, where dprint formats no file).
const write = (name, text) =>
  writeFileSync(
    join(target, name),
    execFileSync(bin("dprint"), [
      "fmt",
      "--config",
      join(root, "dprint.json"),
      "--stdin",
      `docs/reference/${name}`
    ], {
      cwd: root,
      input: text,
      encoding: "utf8",
      stdio: ["pipe", "pipe", "inherit"]
    })
  )
for (const file of walk(generated)) {
  const name = relative(generated, file)
  if (!name.endsWith(".ts.md")) continue // docgen's index.md for its Jekyll site
  mkdirSync(dirname(join(target, name)), { recursive: true })
  // The Jekyll front matter (title, nav_order, parent) becomes a plain title: this
  // reference is read on GitHub or in an editor, and dprint's markdown formatter would
  // otherwise turn the front matter into a heading.
  const module = name.replace(/\.ts\.md$/, "")
  // (docgen's own prettier pass has already made it `---` and a `## title: …` line).
  const raw = readFileSync(file, "utf8")
  const text = raw.slice(raw.indexOf("\n## ", raw.indexOf("title:")) + 1)
  const title = ["effect-microsandbox", ...module.split("/").filter((p) => p !== "index")].join("/")
  write(name, `# ${title}\n\n${text}`)
  modules.push(module)
}
write(
  "README.md",
  [
    "# API reference",
    "",
    "Generated from the sources' JSDoc by `npm run docs` (@effect/docgen); do not edit by hand.",
    "Every `@example` in it is type-checked and run (without a runtime) when it is generated.",
    "",
    ...modules.sort().map((m) => `- [${m.replace(/(^|\/)index$/, "$1(entry point)")}](${m}.ts.md)`),
    ""
  ].join("\n")
)

if (check) {
  const read = (dir) =>
    new Map(existsSync(dir) ? walk(dir).map((f) => [relative(dir, f), readFileSync(f, "utf8")]) : [])
  const fresh = read(target)
  const committed = read(reference)
  const stale = [...new Set([...fresh.keys(), ...committed.keys()])].filter((f) =>
    fresh.get(f) !== committed.get(f)
  )
  rmSync(scratch, { recursive: true, force: true })
  if (stale.length > 0) {
    process.stderr.write(`docs/reference is out of date (run npm run docs): ${stale.join(", ")}\n`)
    process.exit(1)
  }
} else {
  rmSync(scratch, { recursive: true, force: true })
}
const examples = /(\d+) example\(s\) found/.exec(output)?.[1] ?? "0"
const seconds = Number(process.hrtime.bigint() - started) / 1e9
process.stdout.write(
  `docs/reference: ${check ? "up to date" : "written"}; ${examples} example(s) type-checked and run; ${
    seconds.toFixed(1)
  } s\n`
)
