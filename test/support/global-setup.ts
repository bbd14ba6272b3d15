// Builds the runtime double once per test run and hands its path to the test files.
import { execFileSync } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

export default function setup(): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..")
  const out = execFileSync(process.execPath, [join(root, "test", "double", "build.mjs")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"]
  })
  process.env.MSBD_LIBRARY = out.trim().split("\n").pop()!
}
