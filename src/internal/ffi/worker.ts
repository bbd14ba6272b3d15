/**
 * Worker threads that host blocking native calls off libuv's pool ("park lanes").
 * Each worker loads the library through koffi and runs one synchronous call at a
 * time; the executor hands it work and time-slices cancel-safe receives.
 *
 * The worker's code is built from the source text of `createInvoker` and
 * `workerMain`, so it runs the same way from `src/` (tests) and from `dist/`.
 *
 * @internal
 */
import { createRequire } from "node:module"
import { SHARE_ENV, Worker } from "node:worker_threads"
import { createInvoker, type NativeArg, type RawOutcome } from "./invoker.js"

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

interface WorkerData {
  readonly koffiPath: string
  readonly libraryPath: string
  readonly prototypes: ReadonlyArray<readonly [string, string]>
}

// Runs inside the worker. Self-contained: receives its dependencies as arguments.
function workerMain(
  threads: typeof import("node:worker_threads"),
  koffi: unknown,
  makeInvoker: typeof createInvoker
): void {
  const port = threads.parentPort
  const data = threads.workerData as WorkerData
  if (!port) return
  const invoker = makeInvoker(koffi as never, data.libraryPath, data.prototypes, true)
  port.on("message", (request: WorkerRequest) => {
    const outcome = invoker.callJson(request.name, request.args, request.bufferSize)
    port.postMessage({ id: request.id, outcome } satisfies WorkerReply)
  })
  port.postMessage({ id: 0, outcome: { t: "ok", json: "ready" } } satisfies WorkerReply)
}

const source = [
  // Bundlers and test transformers may wrap functions with a naming helper.
  "var __name = (f) => f;",
  `const makeInvoker = (${createInvoker.toString()});`,
  `const main = (${workerMain.toString()});`,
  "const threads = require('node:worker_threads');",
  "main(threads, require(threads.workerData.koffiPath), makeInvoker);"
].join("\n")

const koffiPath = createRequire(import.meta.url).resolve("koffi")

/** Spawns a worker; resolves once it has loaded the library. */
export const spawnWorker = (
  libraryPath: string,
  prototypes: ReadonlyArray<readonly [string, string]>
): Promise<Worker> =>
  new Promise((resolve, reject) => {
    const worker = new Worker(source, {
      eval: true,
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
