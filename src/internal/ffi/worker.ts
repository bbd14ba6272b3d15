/**
 * Worker threads that host blocking native calls off libuv's pool ("park lanes").
 * Each worker loads the library through koffi and runs one synchronous call at a
 * time; the executor hands it work and time-slices cancel-safe receives.
 *
 * A worker runs the module workerMain: from the built package, its compiled file
 * (dist/internal/ffi/workerMain.js); from the TypeScript sources (tests, benchmarks run
 * through a loader a worker does not inherit), the same module compiled once per process
 * with esbuild, a development dependency.
 *
 * @internal
 */
import { existsSync } from "node:fs"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import { SHARE_ENV, Worker } from "node:worker_threads"
import type { NativeArg, RawOutcome } from "./invoker.js"

export interface WorkerRequest {
  readonly id: number
  readonly name: string
  readonly args: ReadonlyArray<NativeArg>
  readonly bufferSize: number
}
export interface WorkerReply {
  readonly id: number
  readonly outcome: RawOutcome
}

export interface WorkerData {
  readonly koffiPath: string
  readonly libraryPath: string
  readonly prototypes: ReadonlyArray<readonly [string, string]>
}

const require_ = createRequire(import.meta.url)
const koffiPath = require_.resolve("koffi")

/** The part of esbuild's API used here (esbuild is not a dependency of the package). */
interface Esbuild {
  buildSync(options: {
    readonly entryPoints: ReadonlyArray<string>
    readonly bundle: boolean
    readonly platform: "node"
    readonly format: "cjs"
    readonly target: string
    readonly write: false
    readonly logLevel: "silent"
  }): { readonly outputFiles: ReadonlyArray<{ readonly text: string }> }
}

type Entry = { readonly module: URL } | { readonly code: string }
let entry: Entry | undefined

/** The worker's module: the compiled file, or the source compiled once (see the header). */
export const workerEntry = (): Entry => {
  if (entry !== undefined) return entry
  const compiled = new URL("./workerMain.js", import.meta.url)
  if (existsSync(fileURLToPath(compiled))) return (entry = { module: compiled })
  const esbuild = require_("esbuild") as Esbuild
  const out = esbuild.buildSync({
    entryPoints: [fileURLToPath(new URL("./workerMain.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    write: false,
    logLevel: "silent"
  })
  return (entry = { code: out.outputFiles[0]!.text })
}

/** Spawns a worker; resolves once it has loaded the library. */
export const spawnWorker = (
  libraryPath: string,
  prototypes: ReadonlyArray<readonly [string, string]>
): Promise<Worker> =>
  new Promise((resolve, reject) => {
    const main = workerEntry()
    const worker = new Worker("module" in main ? main.module : main.code, {
      eval: !("module" in main),
      workerData: { koffiPath, libraryPath, prototypes } satisfies WorkerData,
      stdout: false,
      stderr: false,
      // The worker runs plain JavaScript: no loaders or flags of the host process
      // (under a TypeScript loader these alone cost tens of ms per worker).
      execArgv: [],
      env: SHARE_ENV,
      trackUnmanagedFds: false
    })
    const onError = (e: unknown) => reject(e)
    worker.once("error", onError)
    worker.once("message", (reply: WorkerReply) => {
      worker.off("error", onError)
      if (reply.id === 0) resolve(worker)
      else reject(new Error("native worker did not start"))
    })
  })
