/**
 * Finds and loads the runtime's C-ABI library: an explicit path, then
 * MICROSANDBOX_FFI_PATH, then the install location under MSB_HOME (default
 * ~/.microsandbox). Every path tried is reported when none loads.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import koffi from "koffi"
import { existsSync, statSync } from "node:fs"
import { homedir } from "node:os"
import { join } from "node:path"
import { optionalString } from "../env.js"
import { LibraryNotLoaded, type LoadAttempt } from "../errorModel.js"
import { createInvoker, type Invoker, type KoffiModule } from "./invoker.js"
import { signatures } from "./signatures.js"

/** The runtime version whose ABI this SDK implements (docs/runtime-abi.md §0). */
export const SDK_RUNTIME_VERSION = "0.6.14"

export const libraryFileName = (platform: NodeJS.Platform = process.platform): string =>
  platform === "darwin"
    ? "libmicrosandbox_go_ffi.dylib"
    : platform === "win32"
    ? "libmicrosandbox_go_ffi.dll"
    : "libmicrosandbox_go_ffi.so"

/** Symbols without which nothing works. */
const REQUIRED = [
  "msb_free_string",
  "msb_cancel_alloc",
  "msb_cancel_trigger",
  "msb_cancel_unregister",
  "msb_version"
]

/** koffi's cap on running + queued asynchronous calls in this process. */
export const koffiMaxAsyncCalls = (): number => {
  const config = (koffi as unknown as { config?: () => { max_async_calls?: number } }).config?.()
  return config?.max_async_calls ?? 256
}

export const prototypes: ReadonlyArray<readonly [string, string]> = signatures.map((
  s
) => [s.name, s.prototype])

export interface LoadedLibrary {
  readonly path: string
  readonly source: LoadAttempt["source"]
  readonly invoker: Invoker
  readonly attempts: ReadonlyArray<LoadAttempt>
}

/** The MSB_HOME folder (runtime state, installed pieces). */
export const msbHome: Effect.Effect<string> = optionalString("MSB_HOME").pipe(
  Effect.map(Option.getOrElse(() => join(homedir(), ".microsandbox")))
)

/** Where an install (ours or the Go SDK's) puts the library for a runtime version. */
export const installedLibraryPaths = (home: string, version = SDK_RUNTIME_VERSION): ReadonlyArray<string> => [
  join(home, "lib", `v${version}`, libraryFileName()),
  join(home, "lib", libraryFileName())
]

/** A place the library may be, and where that place came from. */
export interface LibraryCandidate {
  readonly path: string
  readonly source: LoadAttempt["source"]
}

/**
 * Where the library is looked for, in order: the explicit path, MICROSANDBOX_FFI_PATH,
 * then the install locations under MSB_HOME.
 */
export const libraryCandidates = (
  explicitPath: string | undefined
): Effect.Effect<ReadonlyArray<LibraryCandidate>> =>
  Effect.gen(function*() {
    const envPath = yield* optionalString("MICROSANDBOX_FFI_PATH")
    const home = yield* msbHome
    const candidates: Array<LibraryCandidate> = []
    if (explicitPath !== undefined) candidates.push({ path: explicitPath, source: "explicit" })
    if (Option.isSome(envPath)) candidates.push({ path: envPath.value, source: "MICROSANDBOX_FFI_PATH" })
    for (const path of installedLibraryPaths(home)) candidates.push({ path, source: "install" })
    return candidates
  })

const tryLoad = (path: string, source: LoadAttempt["source"]): { invoker: Invoker } | LoadAttempt => {
  if (!existsSync(path)) return { source, path, reason: "no such file" }
  try {
    if (!statSync(path).isFile()) return { source, path, reason: "not a regular file" }
  } catch (e) {
    return { source, path, reason: String(e) }
  }
  let invoker: Invoker
  try {
    invoker = createInvoker(koffi as unknown as KoffiModule, path, prototypes)
  } catch (e) {
    return { source, path, reason: e instanceof Error ? e.message : String(e) }
  }
  const absent = REQUIRED.filter((name) => !invoker.has(name))
  if (absent.length > 0) {
    return { source, path, reason: `not a microsandbox runtime library (missing ${absent.join(", ")})` }
  }
  return { invoker }
}

export const loadLibrary = (
  explicitPath: string | undefined
): Effect.Effect<LoadedLibrary, LibraryNotLoaded> =>
  Effect.gen(function*() {
    const attempts: Array<LoadAttempt> = []
    for (const { path, source } of yield* libraryCandidates(explicitPath)) {
      const result = tryLoad(path, source)
      if ("invoker" in result) return { path, source, invoker: result.invoker, attempts }
      attempts.push(result)
    }
    return yield* new LibraryNotLoaded({
      message: "the microsandbox runtime library could not be loaded; tried:\n" +
        attempts.map((a) => `  ${a.source}: ${a.path} (${a.reason})`).join("\n") +
        "\nSet MICROSANDBOX_FFI_PATH, pass libraryPath to Microsandbox.layer, or install it: Installer.ensureInstalled() or `npx effect-microsandbox install`.",
      operation: "Microsandbox.load",
      attempts
    })
  })
