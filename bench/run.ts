/**
 * Benchmarks, printed as one table per subject with ratios measured in the same run.
 * Each scenario runs in its own process (UV_THREADPOOL_SIZE only counts at start-up).
 *
 *   npm run bench            # all
 *   npm run bench -- threads # one subject
 */
import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
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

const runScenario = (script: string, env: Record<string, string>): Array<Record<string, number | string>> => {
  const home = mkdtempSync(join(tmpdir(), "msb-bench-"))
  try {
    const out = execFileSync(tsx, [join(root, "bench", script)], {
      encoding: "utf8",
      env: { ...process.env, MSB_HOME: home, MICROSANDBOX_FFI_PATH: library, ...env },
      stdio: ["ignore", "pipe", "inherit"],
      timeout: 300_000
    })
    return out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}

const fmt = (v: unknown) => (typeof v === "number" ? v.toFixed(v < 10 ? 2 : 0) : String(v))

const table = (rows: Array<Record<string, number | string>>, columns: Array<string>) => {
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
    "rssMiB"
  ])
  console.log("\nratios loaded/idle (same mode):")
  for (let i = 1; i < rows.length; i++) {
    const busy = rows[i]!
    const idle = rows.slice(0, i).reverse().find((r) =>
      r.phase === "idle" && r.mode === busy.mode && r.uvPool === busy.uvPool
    )
    if (!idle || busy.phase === "idle") continue
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
}
