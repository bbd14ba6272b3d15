/**
 * The cost of one park lane: starts N lanes (worker threads with koffi and the library's
 * functions loaded) one after another, then N at once, and reports resident memory and
 * CPU per lane and the wall time to start one. Prints one JSON line per way.
 *
 *   LANES=16 MICROSANDBOX_FFI_PATH=... tsx bench/lanes.ts
 */
import { prototypes } from "../src/internal/ffi/loader.js"
import { spawnWorker } from "../src/internal/ffi/worker.js"

const libraryPath = process.env.MICROSANDBOX_FFI_PATH!
const n = Number(process.env.LANES ?? "16")
const gc = (globalThis as { gc?: () => void }).gc

const measure = async (how: string, start: () => Promise<Array<import("node:worker_threads").Worker>>) => {
  gc?.()
  await new Promise((r) => setTimeout(r, 200))
  const rss0 = process.memoryUsage().rss
  const cpu0 = process.cpuUsage()
  const t = performance.now()
  const workers = await start()
  const wallMs = performance.now() - t
  const cpu = process.cpuUsage(cpu0)
  await new Promise((r) => setTimeout(r, 300))
  gc?.()
  const rssPerLaneMiB = (process.memoryUsage().rss - rss0) / n / 1048576
  process.stdout.write(
    JSON.stringify({
      how,
      lanes: n,
      rssPerLaneMiB,
      cpuMsPerLane: (cpu.user + cpu.system) / 1000 / n,
      wallMsPerLane: wallMs / n,
      wallMsAll: wallMs
    }) + "\n"
  )
  await Promise.all(workers.map((w) => w.terminate()))
}

// Warm-up: the first worker pays for loading code caches.
await (await spawnWorker(libraryPath, prototypes)).terminate()
await measure("one after another", async () => {
  const ws = []
  for (let i = 0; i < n; i++) ws.push(await spawnWorker(libraryPath, prototypes))
  return ws
})
await measure(
  "all at once",
  () => Promise.all(Array.from({ length: n }, () => spawnWorker(libraryPath, prototypes)))
)
