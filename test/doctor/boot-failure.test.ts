// Boots that fail for host reasons become BootFailed, carrying the runtime's system log:
// pure cases, and a boot failure the runtime double simulates.
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Microsandbox } from "../../src/Microsandbox.js"
import { Internal, InvalidConfig, isMicrosandboxError } from "../../src/MicrosandboxError.js"
import { classifyBootFailure } from "../../src/node/Doctor.js"
import { configure, layer } from "../support/double.js"

const relay = "runtime error: sandbox process exited before agent relay became available (exit status 1)"

describe("classifyBootFailure", () => {
  it("recognizes KVM_EXIT_INTERNAL_ERROR in the system log and keeps every line", () => {
    const log = ["booting microVM", "kvm: KVM_EXIT_INTERNAL_ERROR suberror 1", relay]
    const error = new Internal({ message: relay, operation: "Sandbox.make", sandbox: "box" })
    const booted = classifyBootFailure(error, log)
    expect(booted?._tag).toBe("BootFailed")
    expect(booted?.reason).toBe("KvmInternalError")
    expect(booted?.systemLog).toEqual(log)
    expect(booted?.sandbox).toBe("box")
    expect(booted?.operation).toBe("Sandbox.make")
    expect(booted?.remedy).toContain("doctor")
    expect(isMicrosandboxError(booted)).toBe(true)
  })

  it("recognizes the relay message alone", () => {
    const booted = classifyBootFailure(new Internal({ message: relay, operation: "Sandbox.make" }), [])
    expect(booted?.reason).toBe("ExitedBeforeRelay")
    expect(booted?.sandbox).toBeUndefined()
  })

  it("leaves other errors alone", () => {
    expect(classifyBootFailure(new Internal({ message: "name clash", operation: "Sandbox.make" }), ["x"]))
      .toBeUndefined()
    expect(
      classifyBootFailure(new InvalidConfig({ message: relay, operation: "Sandbox.make" }), [
        "KVM_EXIT_INTERNAL_ERROR"
      ])
    ).toBeUndefined()
  })
})

describe("a boot failure simulated by the runtime double", () => {
  it.effect("the create's Internal error and the system log lines classify as KvmInternalError", () =>
    Effect.gen(function*() {
      const lines = "guest: starting kernel\nKVM_EXIT_INTERNAL_ERROR: emulation failure"
      yield* configure({ boot_fail: lines })
      const m = yield* Microsandbox
      const exit = yield* Effect.exit(
        m.native.call("msb_sandbox_create", ["bootfail", JSON.stringify({ image: "alpine" })], {
          operation: "Sandbox.make",
          sandbox: "bootfail"
        })
      )
      yield* configure({ boot_fail: null })
      if (Exit.isSuccess(exit) || exit.cause._tag !== "Fail") {
        throw new Error(`expected a failure: ${String(exit)}`)
      }
      const error = exit.cause.error
      expect(error._tag).toBe("Internal")
      expect(error.message).toContain("sandbox process exited before agent relay became available")
      // the system log the runtime wrote for that boot (JSON lines with base64 payloads)
      const runtimeLog = join(process.env.MSB_HOME!, "sandboxes", "bootfail", "logs", "runtime.log")
      const systemLog = readFileSync(runtimeLog, "utf8").trim().split("\n")
        .map((l) => JSON.parse(l) as { source: string; data_b64: string })
        .filter((e) => e.source === "system")
        .flatMap((e) =>
          Buffer.from(e.data_b64, "base64").toString("utf8").split("\n").filter((s) => s.length > 0)
        )
      const booted = classifyBootFailure(error, systemLog)
      expect(booted?.reason).toBe("KvmInternalError")
      expect(booted?.systemLog).toEqual(
        expect.arrayContaining(["KVM_EXIT_INTERNAL_ERROR: emulation failure"])
      )
      expect(booted?.sandbox).toBe("bootfail")
    }).pipe(Effect.provide(layer())))
})
