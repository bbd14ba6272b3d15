/**
 * Benchmarks, printed as one table per subject with ratios measured in the same run,
 * and written with the same figures to bench/results.json (BENCH_OUT to change).
 * Each scenario runs in its own process (UV_THREADPOOL_SIZE only counts at start-up).
 *
 *   npm run bench                 # all
 *   npm run bench -- threads      # one subject: threads, exec, calls, lanes, concurrency, pool, memory, import
 *                                 (import needs `npm run build`)
 */
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { availableParallelism, loadavg, tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const library = execFileSync(process.execPath, [join(root, "test", "double", "build.mjs")], {
  encoding: "utf8"
})
  .trim()
  .split("\n")
  .pop()!
const tsx = join(root, "node_modules", ".bin", "tsx")
const only = process.argv[2]
type Row = Record<string, number | string | boolean>
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: availableParallelism(),
  loadAverageAtStart: loadavg()[0],
  library: "the runtime double (test/double)",
  subjects: {} as Record<string, unknown>
}
const record = (subject: string, value: unknown) => {
  ;(results.subjects as Record<string, unknown>)[subject] = value
}

const runScenario = (script: string, env: Record<string, string>): Array<Row> => {
  const home = mkdtempSync(join(tmpdir(), "msb-bench-"))
  try {
    const out = execFileSync(tsx, [join(root, "bench", script)], {
      encoding: "utf8",
      env: { ...process.env, MSB_HOME: home, MICROSANDBOX_FFI_PATH: library, ...env },
      stdio: ["ignore", "pipe", "inherit"],
      timeout: 900_000
    })
    return out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}

const fmt = (v: unknown) =>
  v === undefined
    ? ""
    : typeof v === "number"
    ? (Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 10 ? 2 : 0))
    : String(v)

const table = (rows: Array<Row>, columns: Array<string>) => {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => fmt(r[c]).length)))
  const line = (cells: Array<string>) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ")
  console.log(line(columns))
  console.log(line(widths.map((w) => "-".repeat(w))))
  for (const r of rows) console.log(line(columns.map((c) => fmt(r[c]))))
}

if (!only || only === "threads") {
  console.log("\n# threads: 0 vs 256 parked receives (times in ms; 'starved' = no answer within 2 s)\n")
  const rows = [
    ...runScenario("threads.ts", { MODE: "naive", UV_THREADPOOL_SIZE: "4" }),
    ...runScenario("threads.ts", { MODE: "library", UV_THREADPOOL_SIZE: "4" }),
    ...runScenario("threads.ts", { MODE: "library", UV_THREADPOOL_SIZE: "264" })
  ]
  table(rows, [
    "mode",
    "uvPool",
    "phase",
    "loopP99Ms",
    "fsP50Ms",
    "fsP99Ms",
    "shortP50Ms",
    "shortP99Ms",
    "rssMiB",
    "interruptMs",
    "stopMs"
  ])
  record("threads", rows)
  console.log("\nratios loaded/idle (same mode):")
  for (let i = 1; i < rows.length; i++) {
    const busy = rows[i]!
    const idle = rows.slice(0, i).reverse().find((r) =>
      r.phase === "idle" && r.mode === busy.mode && r.uvPool === busy.uvPool
    )
    if (!idle || busy.phase === "idle" || !("loopP99Ms" in busy)) continue
    const r = (k: string) => {
      const a = Number(idle[k])
      const b = Number(busy[k])
      return Number.isFinite(b) ? (b / a).toFixed(2) : "∞ (starved)"
    }
    console.log(
      `  ${idle.mode} (pool ${idle.uvPool}): loop p99 x${r("loopP99Ms")}, fs p50 x${
        r("fsP50Ms")
      }, short call p50 x${r("shortP50Ms")}`
    )
  }
}

if (!only || only === "exec") {
  console.log("\n# exec stdout throughput: through the double vs child_process\n")
  const rows = runScenario("exec.ts", {})
  const direct = rows.filter((r) => r.how === "child_process").map((r) => Number(r.mbPerSec))
  const best = Math.max(...direct)
  table(rows.map((r) => ({ ...r, ratio: Number(r.mbPerSec) / best })), [
    "how",
    "megabytes",
    "mbPerSec",
    "chunks",
    "avgChunk",
    "ratio"
  ])
  record("exec", rows.map((r) => ({ ...r, ratio: Number(r.mbPerSec) / best })))
  const ours = Number(rows.find((r) => r.how === "effect-microsandbox (double)")?.mbPerSec)
  console.log(
    `\noverhead: through the library and the double, stdout arrives ${
      (best / ours).toFixed(1)
    }x slower than with child_process`
  )
}

if (!only || only === "streams") {
  console.log(
    "\n# exec and log streams against a raw synchronous koffi loop (same process; min/median of 3 rounds)\n"
  )
  const rows = runScenario("streams.ts", { ROUNDS: "3", STREAMS_MB: "32" })
  table(rows.filter((r) => r.table === "prefilled"), [
    "how",
    "usPerEventMin",
    "usPerEventMedian",
    "vsRawMedian"
  ])
  console.log("")
  table(rows.filter((r) => r.table === "end-to-end" && r.msMedian !== undefined), [
    "how",
    "megabytes",
    "msMin",
    "msMedian",
    "speedVsRaw"
  ])
  console.log("")
  table(rows.filter((r) => r.table === "log history"), [
    "how",
    "usPerEntryMin",
    "usPerEntryMedian",
    "vsRawMedian"
  ])
  console.log("\nprefilled again, the double losing 50% of the races of a pre-triggered cancel id:\n")
  table(
    runScenario("streams.ts", {
      ROUNDS: "3",
      PREFILLED_ONLY: "1",
      MSBD_CONFIG: JSON.stringify({ race_loss_percent: 50 })
    }),
    ["how", "usPerEventMin", "usPerEventMedian", "vsRawMedian"]
  )
  const ratio = rows.find((r) => r.how === "exec vs execStream")?.ratio
  console.log(`\ncollected exec vs execStream (speed): ${Number(ratio).toFixed(2)}x`)
  record("streams", rows)
}

if (!only || only === "calls") {
  console.log(
    "\n# calls: public operations vs a raw koffi call of the same export (µs per call; target ratio <= 1.3)\n"
  )
  const rows = runScenario("calls.ts", {})
  table(rows, ["operation", "load", "calls", "rawUs", "libUs", "ratio"])
  record("calls", rows)
}

if (!only || only === "lanes") {
  console.log("\n# lanes: what one park lane costs (a worker thread with koffi and the library loaded)\n")
  const rows = runScenario("lanes.ts", { NODE_OPTIONS: "--expose-gc" })
  table(rows, ["how", "lanes", "rssPerLaneMiB", "cpuMsPerLane", "wallMsPerLane", "wallMsAll"])
  record("lanes", rows)
}

if (!only || only === "concurrency") {
  const n = process.env.SANDBOXES ?? "100"
  console.log(
    `\n# concurrency: ${n} concurrent creates, then stops (ms), library defaults vs raw koffi with UV_THREADPOOL_SIZE=${n} (target ratio <= 1.5)\n`
  )
  const raw = runScenario("concurrency.ts", { MODE: "raw", N: n, UV_THREADPOOL_SIZE: n })
  const lib = runScenario("concurrency.ts", { MODE: "library", N: n })
  const rows = [...raw, ...lib].map((r) => {
    const base = raw.find((x) => x.phase === r.phase)
    return { ...r, ratio: Number(r.ms) / Number(base?.ms) }
  })
  table(rows, [
    "mode",
    "phase",
    "sandboxes",
    "ms",
    "ratio",
    "maxInFlight",
    "cpuMs",
    "rssMiB",
    "lanes",
    "warnings"
  ])
  record("concurrency", rows)
}

if (!only || only === "pool") {
  console.log("\n# pool: time to a ready sandbox under 16 concurrent borrowers (ms)\n")
  const rows = runScenario("pool.ts", {}).filter((r) => r.how !== "warm-up")
  const fresh = rows.find((r) => String(r.how).startsWith("fresh"))
  const withRatio = rows.map((r) => ({ ...r, p50VsFresh: Number(r.p50Ms) / Number(fresh?.p50Ms) }))
  table(withRatio, ["how", "borrowers", "borrows", "p50Ms", "p99Ms", "p50VsFresh", "totalMs"])
  record("pool", withRatio)
}

if (!only || only === "memory") {
  console.log("\n# memory: RSS after warm-up over 100,000 calls and 1 GiB of streamed stdout (MiB)\n")
  const rows = runScenario("memory.ts", { NODE_OPTIONS: "--expose-gc" })
  const summaries = rows.filter((r) => r.kind === "summary")
  table(summaries, [
    "subject",
    "afterWarmUpMiB",
    "endMiB",
    "maxMiB",
    "growthMiBPer10kCalls",
    "growthMiBPer128MiB"
  ])
  record("memory", rows)
}

if (!only || only === "import") {
  console.log("\n# import → first call (msb_version), cold, in a fresh node process; medians (ms)\n")
  const rows = runScenario("import.ts", {})
  const of = (subject: string) => rows.find((r) => r.subject === subject)
  const effect = Number(of("effect/Effect")?.firstCallMs)
  const koffi = Number(of("raw koffi")?.firstCallMs)
  const dependencies = Number(of("the core entry's dependencies")?.firstCallMs)
  table(
    rows.map((r) => ({
      ...r,
      "x effect/Effect": Number(r.firstCallMs) / effect,
      "x dependencies": Number(r.firstCallMs) / dependencies,
      "x koffi": Number(r.firstCallMs) / koffi
    })),
    [
      "subject",
      "runs",
      "importMs",
      "firstCallMs",
      "x effect/Effect",
      "x dependencies",
      "x koffi",
      "esmModules",
      "cjsModules"
    ]
  )
  record("import", rows)
}

const out = process.env.BENCH_OUT ?? join(root, "bench", "results.json")
// One subject updates its entry (with its own date) and keeps the others' figures.
if (only && existsSync(out)) {
  const previous = JSON.parse(readFileSync(out, "utf8")) as { subjects?: Record<string, unknown> }
  const fresh = (results.subjects as Record<string, unknown>)[only]
  results.subjects = {
    ...previous.subjects,
    [only]: { measuredAt: results.date, loadAverageAtStart: results.loadAverageAtStart, rows: fresh }
  }
  Object.assign(results, { ...previous, subjects: results.subjects })
}
writeFileSync(out, JSON.stringify(results, null, 2) + "\n")
console.log(`\nfigures written to ${out}`)
