import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { SDK_RUNTIME_VERSION } from "../../src/internal/ffi/loader.js"
import { signatures } from "../../src/internal/ffi/signatures.js"
import { libraryPath } from "../support/double.js"

describe("ABI surface", () => {
  it("declares the 139 exports of docs/runtime-abi.md, once each", () => {
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

// The ABI reference the project is written against, kept in the repository (docs/), so
// this suite runs on every clone.
const reference = readFileSync(fileURLToPath(new URL("../../docs/runtime-abi.md", import.meta.url)), "utf8")

/** The body of one `## ` section of the reference, up to the next `## ` heading. */
const section = (heading: string): string => {
  const start = reference.indexOf(`\n## ${heading}`)
  expect(start, `section "${heading}" in docs/runtime-abi.md`).toBeGreaterThanOrEqual(0)
  const end = reference.indexOf("\n## ", start + 1)
  return reference.slice(start, end === -1 ? undefined : end)
}

/** The rows of Appendix A: function, group, cancel-id mode. */
const appendixA = (): ReadonlyArray<readonly [name: string, group: string, cid: string]> =>
  section("Appendix A.").split("\n").flatMap((line) => {
    const cells = line.split("|").map((c) => c.trim())
    const name = /^`(msb_\w+)`$/.exec(cells[1] ?? "")?.[1]
    return name === undefined ? [] : [[name, cells[2] ?? "", cells[3] ?? ""] as const]
  })

describe("against docs/runtime-abi.md", () => {
  it("every export of Appendix A is declared, with its cancel-id mode, and nothing else", () => {
    const rows = appendixA()
    expect(rows.length).toBe(139)
    const declared = new Map(signatures.map((s) => [s.name, s.cid]))
    for (const [name, , cid] of rows) expect([name, declared.get(name)]).toEqual([name, cid])
    expect(rows.map(([name]) => name).sort()).toEqual([...declared.keys()].sort())
  })

  it("every export is described in the section its Appendix A group names", () => {
    for (const [name, group] of appendixA()) {
      const number = /^(\d+\.\d+) /.exec(group)?.[1]
      expect(number, `group of ${name}`).toBeDefined()
      const start = reference.indexOf(`\n### ${number} `)
      expect(start, `section ${number}`).toBeGreaterThanOrEqual(0)
      const end = reference.slice(start + 1).search(/\n#{2,3} \d/)
      const body = reference.slice(start, end === -1 ? undefined : start + 1 + end)
      expect([name, body.includes(`\`${name}\``)]).toEqual([name, true])
    }
  })

  it("describes the runtime version the loader pins", () => {
    expect(section("0. Provenance")).toContain(`workspace version **${SDK_RUNTIME_VERSION}**`)
  })
})
