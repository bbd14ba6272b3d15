import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { signatures } from "../../src/internal/ffi/signatures.js"
import { libraryPath } from "../support/double.js"

describe("ABI surface", () => {
  it("declares the 139 exports of runtime-abi.md, once each", () => {
    expect(signatures.length).toBe(139)
    expect(new Set(signatures.map((s) => s.name)).size).toBe(139)
    for (const s of signatures) {
      expect(s.prototype).toMatch(new RegExp(`^(void \\*|void|uint64_t) ${s.name}\\(`))
      // Every JSON-shaped export ends with the caller buffer.
      if (s.shape === "json") expect(s.prototype).toMatch(/uint8_t \* buf, uintptr_t buf_len\)$/)
      // 64-bit ids and handles are uint64_t; the error return is a raw pointer.
      if (s.cid !== "n") expect(s.prototype).toContain("(uint64_t cancel_id")
    }
  })

  it("the runtime double exports exactly those symbols (plus its own control export)", () => {
    const out = execFileSync("nm", ["-D", "--defined-only", libraryPath], { encoding: "utf8" })
    const exported = out.split("\n").map((l) => l.trim().split(" ").pop() ?? "").filter((n) =>
      n.startsWith("msb")
    )
    expect(exported.filter((n) => n.startsWith("msb_")).sort()).toEqual(signatures.map((s) => s.name).sort())
    expect(exported.filter((n) => n.startsWith("msbd_"))).toEqual(["msbd_control"])
  })
})

// The ABI reference the project was written against (outside this repository; present
// in the development checkout, absent on CI clones).
const reference = join(process.cwd(), "..", "shared", "design", "runtime-abi.md")
const haveReference = existsSync(reference)

describe(`against runtime-abi.md${haveReference ? "" : " (skipped: ../shared/design/runtime-abi.md not present)"}`, () => {
  it.skipIf(!haveReference)("every export of Appendix A is declared, with its cancel-id mode", () => {
    const text = readFileSync(reference, "utf8")
    const rows = [...text.matchAll(/^\| `(msb_\w+)` \| [^|]+\| (y|n|ign) \|/gm)].map((m) =>
      [m[1]!, m[2]!] as const
    )
    expect(rows.length).toBe(139)
    const declared = new Map(signatures.map((s) => [s.name, s.cid]))
    for (const [name, cid] of rows) expect([name, declared.get(name)]).toEqual([name, cid])
  })
})
