/**
 * The entry module of a park lane, a worker thread (see worker.ts): loads the library
 * through koffi and runs the calls the executor posts, one at a time, synchronously.
 *
 * @internal
 */
import { createRequire } from "node:module"
import { parentPort, workerData } from "node:worker_threads"
import { createInvoker, type KoffiModule } from "./invoker.js"
import type { WorkerData, WorkerReply, WorkerRequest } from "./worker.js"

const port = parentPort
if (port !== null) {
  const data = workerData as WorkerData
  // koffi is loaded from the path the spawning thread resolved (the same installation).
  const koffi = createRequire(data.koffiPath)(data.koffiPath) as KoffiModule
  const invoker = createInvoker(koffi, data.libraryPath, data.prototypes, true)
  port.on("message", (request: WorkerRequest) => {
    const outcome = invoker.callJson(request.name, request.args, request.bufferSize)
    port.postMessage({ id: request.id, outcome } satisfies WorkerReply)
  })
  port.postMessage({ id: 0, outcome: { t: "ok", json: "ready" } } satisfies WorkerReply)
}
