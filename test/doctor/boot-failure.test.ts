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

// The runtime's own words (0.6.14), measured: the create's error message and the system log
// lines of that boot, on this project's machines (a paravirtual KVM) and on a host without
// /dev/kvm.
const realPvm = {
  error:
    "failed to start \"probe2\": sandbox process exited (exit status: 1) before agent relay became available",
  log: [
    "INFO microsandbox_runtime::vm: entering VM sandbox=probe2",
    "ERROR msb_krun_vmm::linux::vstate: Received KVM_EXIT_INTERNAL_ERROR signal",
    "INFO msb_krun_vmm: Vmm is stopping.",
    "--- sandbox stopped ---"
  ]
}
const realNoKvm = {
  error:
    "failed to start \"box\": sandbox process exited (signal: 6 (SIGABRT)) before agent relay became available",
  log: ["thread 'main' panicked: Error creating the Kvm object: Error(2)", "--- sandbox stopped ---"]
}

describe("classifyBootFailure", () => {
  it("a paravirtual KVM (the real runtime's text): KVM_EXIT_INTERNAL_ERROR, with the process exit and every line", () => {
    const error = new Internal({ message: realPvm.error, operation: "Sandbox.make", sandbox: "probe2" })
    const booted = classifyBootFailure(error, realPvm.log)
    expect(booted?._tag).toBe("BootFailed")
    expect(booted?.reason).toBe("KvmInternalError")
    expect(booted?.processExit).toBe("exit status: 1")
    expect(booted?.systemLog).toEqual(realPvm.log)
    expect(booted?.sandbox).toBe("probe2")
    expect(booted?.operation).toBe("Sandbox.make")
    expect(booted?.message).toContain(realPvm.error)
    expect(booted?.remedy).toContain("doctor")
    expect(isMicrosandboxError(booted)).toBe(true)
  })

  it("no /dev/kvm (the real runtime's text): KvmUnavailable, the signal in the middle of the message", () => {
    const booted = classifyBootFailure(
      new Internal({ message: realNoKvm.error, operation: "Sandbox.start" }),
      realNoKvm.log
    )
    expect(booted?.reason).toBe("KvmUnavailable")
    expect(booted?.processExit).toBe("signal: 6 (SIGABRT)")
    expect(booted?.remedy).toContain("/dev/kvm")
  })

  it("a boot that failed with no host reason in the log, or whose guest never answered", () => {
    const exited = classifyBootFailure(
      new Internal({ message: realNoKvm.error, operation: "Sandbox.make" }),
      []
    )
    expect(exited?.reason).toBe("ExitedBeforeRelay")
    expect(exited?.sandbox).toBeUndefined()
    // the structured boot-error record's own message after the runtime's prefix
    const staged = classifyBootFailure(
      new Internal({
        message: "failed to start \"b\": rootfs mount failed: ENOENT",
        operation: "Sandbox.make"
      }),
      []
    )
    expect(staged?.reason).toBe("ExitedBeforeRelay")
    expect(staged?.processExit).toBeUndefined()
    const timedOut = classifyBootFailure(
      new Internal({
        message: "runtime error: timed out waiting for agent relay: deadline has elapsed",
        operation: "Sandbox.make"
      }),
      []
    )
    expect(timedOut?.reason).toBe("RelayTimeout")
  })

  it("leaves other errors alone", () => {
    expect(classifyBootFailure(new Internal({ message: "name clash", operation: "Sandbox.make" }), ["x"]))
      .toBeUndefined()
    expect(
      classifyBootFailure(new InvalidConfig({ message: realPvm.error, operation: "Sandbox.make" }), [
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
      // the real runtime's words (see realPvm above)
      expect(error.message).toBe(
        "failed to start \"bootfail\": sandbox process exited (exit status: 1) before agent relay became available"
      )
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
