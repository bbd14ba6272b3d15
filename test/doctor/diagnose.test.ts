// The doctor's verdicts on made-up hosts, the facts it reads from a made-up root, and
// one run on this host.
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { diagnose, gatherFacts, type HostFacts } from "../../src/internal/doctor.js"
import * as Doctor from "../../src/node/Doctor.js"
import { libraryPath } from "../support/double.js"

const good: HostFacts = {
  platform: "linux",
  arch: "x64",
  msb: Option.some({ path: "/opt/msb/bin/msb", source: "npm package", version: Option.some("0.6.14") }),
  libkrunfw: Option.some("/opt/msb/lib/libkrunfw.so.5.6.1"),
  library: Option.some({
    path: "/home/u/.microsandbox/lib/v0.6.14/libmicrosandbox_go_ffi.so",
    source: "install"
  }),
  libraryVersion: Option.some({ version: "0.6.14" }),
  kvm: Option.some({ exists: true, readWrite: true }),
  cpuFlags: Option.some(new Set(["fpu", "vmx", "sse2"])),
  kvmModules: ["kvm", "kvm_intel"],
  hvSupport: Option.none()
}

const failed = (facts: HostFacts) => Doctor.fromChecks(diagnose(facts, "0.6.14")).failures.map((f) => f.check)

describe("doctor verdicts", () => {
  it("passes a bare-metal Linux host with every piece installed", () => {
    const report = Doctor.fromChecks(diagnose(good, "0.6.14"))
    expect(report.ok).toBe(true)
    expect(report.checks.map((c) => c.check)).toEqual([
      "platform",
      "msb",
      "libkrunfw",
      "library",
      "kvm-device",
      "kvm-access",
      "cpu-virtualization",
      "kvm-paravirtual"
    ])
  })

  it("fails a PVM cloud VM (kvm_pvm, hypervisor flag, no vmx/svm) on virtualization and paravirtual KVM", () => {
    const pvm: HostFacts = {
      ...good,
      cpuFlags: Option.some(new Set(["fpu", "hypervisor"])),
      kvmModules: ["kvm", "kvm_pvm"]
    }
    const report = Doctor.fromChecks(diagnose(pvm, "0.6.14"))
    expect(report.failures.map((f) => f.check)).toEqual(["cpu-virtualization", "kvm-paravirtual"])
    expect(report.failures[0]?.remedy).toContain("nested virtualization")
    expect(report.failures[1]?.message).toContain("kvm_pvm")
    expect(report.failures[1]?.message).toContain("KVM_EXIT_INTERNAL_ERROR")
    expect(Doctor.format(report)).toContain("This host cannot boot microsandbox sandboxes (2 failed checks).")
  })

  it("names the missing device, missing access, and missing firmware virtualization separately", () => {
    expect(failed({ ...good, kvm: Option.some({ exists: false, readWrite: false }) })).toEqual(["kvm-device"])
    const denied = Doctor.fromChecks(
      diagnose({ ...good, kvm: Option.some({ exists: true, readWrite: false }) })
    )
    expect(denied.failures.map((f) => f.check)).toEqual(["kvm-access"])
    expect(denied.failures[0]?.remedy).toContain("kvm group")
    const noVtx = Doctor.fromChecks(diagnose({ ...good, cpuFlags: Option.some(new Set(["fpu"])) }))
    expect(noVtx.failures.map((f) => f.check)).toEqual(["cpu-virtualization", "kvm-paravirtual"])
    expect(noVtx.failures[0]?.remedy).toContain("firmware")
  })

  it("checks the runtime pieces and their versions", () => {
    expect(failed({ ...good, msb: Option.none(), libkrunfw: Option.none() })).toEqual(["msb", "libkrunfw"])
    const old = Doctor.fromChecks(diagnose({
      ...good,
      msb: Option.some({ path: "/usr/bin/msb", source: "PATH", version: Option.some("0.6.8") })
    }))
    expect(old.failures[0]?.message).toContain("0.6.8")
    expect(old.failures[0]?.remedy).toContain("@superradcompany/microsandbox-linux-x64-gnu@0.6.14")
    expect(failed({ ...good, library: Option.none(), libraryVersion: Option.none() })).toEqual(["library"])
    expect(failed({ ...good, libraryVersion: Option.some({ version: "0.7.0" }) })).toEqual(["library"])
    expect(failed({ ...good, libraryVersion: Option.some({ error: "undefined symbol" }) })).toEqual([
      "library"
    ])
  })

  it("on macOS checks Hypervisor.framework instead of KVM", () => {
    const mac: HostFacts = {
      ...good,
      platform: "darwin",
      arch: "arm64",
      kvm: Option.none(),
      cpuFlags: Option.none(),
      kvmModules: [],
      hvSupport: Option.some(true)
    }
    const report = Doctor.fromChecks(diagnose(mac, "0.6.14"))
    expect(report.ok).toBe(true)
    expect(report.checks.map((c) => c.check)).toContain("hypervisor-framework")
    expect(report.checks.map((c) => c.check)).not.toContain("kvm-device")
    expect(failed({ ...mac, hvSupport: Option.some(false) })).toEqual(["hypervisor-framework"])
    expect(failed({ ...mac, arch: "x64" })).toContain("platform")
  })
})

describe("doctor facts", () => {
  const fakeHost = (cpuFlags: string, modules: ReadonlyArray<string>, kvm: boolean) => {
    const root = mkdtempSync(join(tmpdir(), "msb-host-"))
    mkdirSync(join(root, "dev"))
    mkdirSync(join(root, "proc"))
    if (kvm) writeFileSync(join(root, "dev", "kvm"), "")
    writeFileSync(join(root, "proc", "cpuinfo"), `processor\t: 0\nflags\t\t: ${cpuFlags}\n\nprocessor\t: 1\n`)
    for (const m of modules) mkdirSync(join(root, "sys", "module", m), { recursive: true })
    return root
  }
  const gather = (root: string) =>
    gatherFacts({ root, platform: "linux", arch: "x64" }).pipe(
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["MSB_HOME", root], ["PATH", ""]]))),
      Effect.provide(NodeContext.layer)
    )

  it.effect("reads /dev/kvm, the CPU flags and the KVM modules of the host root it is given", () =>
    Effect.gen(function*() {
      const pvm = yield* gather(fakeHost("fpu sse2 hypervisor", ["kvm", "kvm_pvm"], true))
      expect(pvm.kvm).toEqual(Option.some({ exists: true, readWrite: true }))
      expect(Option.map(pvm.cpuFlags, (f) => [...f].sort())).toEqual(
        Option.some(["fpu", "hypervisor", "sse2"])
      )
      expect(pvm.kvmModules).toEqual(["kvm", "kvm_pvm"])
      expect(failed(pvm)).toEqual(expect.arrayContaining(["cpu-virtualization", "kvm-paravirtual"]))

      const metal = yield* gather(fakeHost("fpu svm", ["kvm", "kvm_amd"], true))
      expect(failed(metal)).not.toEqual(expect.arrayContaining(["cpu-virtualization"]))
      expect(failed(metal)).not.toContain("kvm-paravirtual")

      const none = yield* gather(fakeHost("fpu vmx", [], false))
      expect(failed(none)).toContain("kvm-device")
    }))

  it.effect("on this host: a report whose failures all carry remedies; the double's library reports 0.6.14", () =>
    Effect.gen(function*() {
      const report = yield* Doctor.doctor({ libraryPath })
      yield* Effect.logInfo(`doctor on this host:\n${Doctor.format(report)}`)
      expect(report.checks.find((c) => c.check === "library")).toMatchObject({ ok: true })
      expect(report.checks.find((c) => c.check === "library")?.detail).toContain("version 0.6.14")
      for (const f of report.failures) expect(f.remedy.length).toBeGreaterThan(10)
      expect(report.ok).toBe(report.failures.length === 0)
    }).pipe(Effect.provide(NodeContext.layer)))
})
