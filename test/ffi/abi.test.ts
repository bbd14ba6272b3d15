import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
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
