// The double held to the real library: the same sequence of raw exports
// (test/real/differential/scenario.ts) runs against the real runtime's C-ABI library and
// against the double, each in its own process and MSB_HOME, and the normalized answers
// are compared step by step: success or error, error kinds, the exact messages the
// library classifies by text, document shapes, the persisted config. Runs where a real
// library is found (test/support/real.ts); skipped, with the reason, otherwise.
import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { npmMsb, realLibrary } from "../support/real.js"

const real = realLibrary()
if (real.path === undefined) console.log(`differential scenario SKIPPED — ${real.reason}`)

type Step = { readonly step: string } & Record<string, unknown>

const runScenario = (library: string, extraEnv: Record<string, string> = {}): Array<Step> => {
  const home = mkdtempSync(join(tmpdir(), "msb-diff-"))
  try {
    const out = execFileSync(
      process.execPath,
      [
        join(process.cwd(), "node_modules", "tsx", "dist", "cli.mjs"),
        join(__dirname, "differential", "scenario.ts")
      ],
      {
        env: { ...process.env, LIBRARY: library, MSB_HOME: home, MSB_PATH: npmMsb() ?? "", ...extraEnv },
        encoding: "utf8",
        timeout: 540_000,
        maxBuffer: 16 * 1024 * 1024
      }
    )
    return JSON.parse(out) as Array<Step>
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}

/** A value with the MSB_HOME-specific root folder path replaced. */
const portable = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value).replace(/\/[^"]*\/rootfs/g, "<rootfs>"))

describe.skipIf(real.path === undefined)(
  `the double against the real library${real.path === undefined ? ` (skipped: ${real.reason})` : ""}`,
  () => {
    it(
      "the same raw exports give the same answers (kinds, classified messages, shapes, persisted config)",
      () => {
        const realSteps = runScenario(real.path!)
        const doubleSteps = runScenario(process.env.MSBD_LIBRARY!, {
          MSBD_CONFIG: JSON.stringify({
            boot_fail: "ERROR msb_krun_vmm::linux::vstate: Received KVM_EXIT_INTERNAL_ERROR signal"
          })
        })
        expect(doubleSteps.map((s) => s.step)).toEqual(realSteps.map((s) => s.step))
        const differences: Array<string> = []
        for (let i = 0; i < realSteps.length; i++) {
          const r = portable(realSteps[i])
          const d = portable(doubleSteps[i])
          if (JSON.stringify(r) !== JSON.stringify(d)) {
            differences.push(
              `${realSteps[i]!.step}:\n  real:   ${JSON.stringify(r)}\n  double: ${JSON.stringify(d)}`
            )
          }
        }
        console.log(
          differences.length === 0
            ? `differential: ${realSteps.length} steps, no difference`
            : `differential: ${differences.length} of ${realSteps.length} steps differ:\n${
              differences.join("\n")
            }`
        )
        expect(differences).toEqual([])
      },
      600_000
    )
  }
)
