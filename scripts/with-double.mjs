// Runs a TypeScript file against the runtime double (no KVM needed):
//   npm run example -- examples/typical-flow.ts
// Builds the double, points MICROSANDBOX_FFI_PATH at it and MSB_HOME at a fresh folder.
import { execFileSync, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const file = process.argv[2]
if (!file) {
  process.stderr.write("usage: npm run example -- <file.ts> [args...]\n")
  process.exit(2)
}
const library = execFileSync(process.execPath, [join(root, "test", "double", "build.mjs")], {
  encoding: "utf8"
})
  .trim()
  .split("\n")
  .pop()
const home = mkdtempSync(join(tmpdir(), "msb-example-"))
const result = spawnSync(process.execPath, ["--import", "tsx", file, ...process.argv.slice(3)], {
  stdio: "inherit",
  env: { ...process.env, MICROSANDBOX_FFI_PATH: library, MSB_HOME: home }
})
rmSync(home, { recursive: true, force: true })
process.exit(result.status ?? 1)
