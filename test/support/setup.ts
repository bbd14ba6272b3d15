// Per test file: a private MSB_HOME (the double keeps sandbox records there), and at the
// end of the file a sweep that kills any VM process a failing test left behind.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"

const home = mkdtempSync(join(tmpdir(), "msb-test-"))
// The real-runtime suite (test/real) needs the environment as the user had it.
process.env.MSB_TEST_REAL_MSB_HOME ??= process.env.MSB_HOME ?? ""
process.env.MSB_TEST_REAL_FFI_PATH ??= process.env.MICROSANDBOX_FFI_PATH ?? ""
process.env.MSB_HOME = home
delete process.env.MICROSANDBOX_FFI_PATH

afterAll(() => {
  const root = join(home, "sandboxes")
  let names: Array<string> = []
  try {
    names = readdirSync(root).filter((n) => !n.startsWith("."))
  } catch {
    // no sandbox was ever created
  }
  for (const name of names) {
    try {
      const rec = JSON.parse(readFileSync(join(root, name, "record.json"), "utf8")) as { pid?: number }
      if (rec.pid && rec.pid > 0) process.kill(rec.pid, "SIGKILL")
    } catch {
      // already gone
    }
  }
  rmSync(home, { recursive: true, force: true })
})
