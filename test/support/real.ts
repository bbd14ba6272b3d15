// Where the real runtime's C-ABI library is, for the suites in test/real: the path in
// MSB_TEST_REAL_FFI_PATH (how CI or a developer hands over a library), else the library
// the installer put under the user's MSB_HOME. Never the runtime double.
import { existsSync, readFileSync } from "node:fs"
import { homedir } from "node:os"
import { join } from "node:path"
import { installedLibraryPaths } from "../../src/internal/ffi/loader.js"

const candidates = (): Array<string> => {
  // test/support/setup.ts saves the user's MSB_HOME here ("" when it was unset) before it
  // points MSB_HOME at a private folder, which is never where the user installed.
  const saved = process.env.MSB_TEST_REAL_MSB_HOME
  const home = (saved !== undefined ? saved : process.env.MSB_HOME) || join(homedir(), ".microsandbox")
  // the install locations the library's own loader searches (src/internal/ffi/loader.ts)
  return [process.env.MSB_TEST_REAL_FFI_PATH, ...installedLibraryPaths(home)]
    .filter((p): p is string => p !== undefined && p.length > 0)
}

/** The library's ELF carries the double's own export when it is the runtime double. */
const isDouble = (path: string): boolean => readFileSync(path).includes("msbd_control")

export interface RealLibrary {
  readonly path: string | undefined
  /** Why the real suites skip, when they do. */
  readonly reason: string
}

export const realLibrary = (): RealLibrary => {
  const tried = candidates()
  const path = tried.find((p) => existsSync(p) && !isDouble(p))
  return {
    path,
    reason: path !== undefined
      ? ""
      : `no real libmicrosandbox_go_ffi at ${
        tried.join(" or ")
      } (install it with \`npx effect-microsandbox install\`, or set MSB_TEST_REAL_FFI_PATH)`
  }
}

/** The `msb` of the npm package `@superradcompany/microsandbox-linux-x64-gnu`, when installed. */
export const npmMsb = (): string | undefined => {
  const path = join(
    process.cwd(),
    "node_modules",
    "@superradcompany",
    "microsandbox-linux-x64-gnu",
    "bin",
    "msb"
  )
  return existsSync(path) ? path : undefined
}
