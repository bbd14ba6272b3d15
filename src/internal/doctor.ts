/**
 * Host diagnosis: the facts a boot depends on, gathered from the host, and a pure
 * judgement of them (so every verdict is testable with made-up facts).
 *
 * @internal
 */
import * as Command from "@effect/platform/Command"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { dirname, join } from "node:path"
import { optionalString } from "./env.js"
import { DoctorCheckFailed } from "./errorModel.js"
import { msbHome, SDK_RUNTIME_VERSION } from "./ffi/loader.js"
import { bundleFile } from "./install/goenv.js"
import { findLibrary } from "./install/install.js"
import { msbFileName, msbVersion, npmRuntimePackage, resolveNpmRuntime } from "./install/msb.js"

export interface MsbFact {
  readonly path: string
  readonly source: "MSB_PATH" | "npm package" | "MSB_HOME" | "PATH"
  readonly version: Option.Option<string>
}

export interface HostFacts {
  readonly platform: NodeJS.Platform
  readonly arch: string
  readonly msb: Option.Option<MsbFact>
  readonly libkrunfw: Option.Option<string>
  readonly library: Option.Option<{ readonly path: string; readonly source: string }>
  /** The version the library reports, or why it could not be asked. */
  readonly libraryVersion: Option.Option<{ readonly version: string } | { readonly error: string }>
  /** Linux only. */
  readonly kvm: Option.Option<{ readonly exists: boolean; readonly readWrite: boolean }>
  /** Linux only: the flags of /proc/cpuinfo. */
  readonly cpuFlags: Option.Option<ReadonlySet<string>>
  /** Linux only: KVM modules present under /sys/module. */
  readonly kvmModules: ReadonlyArray<string>
  /** macOS only: `sysctl -n kern.hv_support`. */
  readonly hvSupport: Option.Option<boolean>
}

/** One verdict. */
export interface CheckResult {
  readonly check: string
  readonly ok: boolean
  readonly detail: string
  readonly error: Option.Option<DoctorCheckFailed>
}

const OPERATION = "Doctor.doctor"

const pass = (check: string, detail: string): CheckResult => ({
  check,
  ok: true,
  detail,
  error: Option.none()
})
const fail = (check: string, detail: string, remedy: string): CheckResult => ({
  check,
  ok: false,
  detail,
  error: Option.some(new DoctorCheckFailed({ message: detail, operation: OPERATION, check, remedy }))
})

const KVM_MODULES = ["kvm", "kvm_intel", "kvm_amd", "kvm_pvm"] as const

/** Judges the facts; every check that fails carries a `DoctorCheckFailed` with a remedy. */
export const diagnose = (
  facts: HostFacts,
  sdkVersion: string = SDK_RUNTIME_VERSION
): ReadonlyArray<CheckResult> => {
  const results: Array<CheckResult> = []
  const host = `${facts.platform}/${facts.arch}`
  const supported = (facts.platform === "linux" && (facts.arch === "x64" || facts.arch === "arm64")) ||
    (facts.platform === "darwin" && facts.arch === "arm64")
  results.push(
    supported
      ? pass("platform", host)
      : fail(
        "platform",
        `${host} cannot run microsandbox: it needs Linux (x86_64 or arm64) with KVM, or macOS on Apple silicon`,
        "use a Linux host with KVM or a Mac with Apple silicon"
      )
  )

  const npmName = npmRuntimePackage(facts.platform, facts.arch)
  const installMsb = npmName !== undefined
    ? `install the npm package ${npmName}@${sdkVersion} (it is an optional dependency of effect-microsandbox; npm skips it when its engines field does not match your Node version, then add it explicitly: npm install ${npmName}@${sdkVersion}), or set MSB_PATH to an msb ${sdkVersion}`
    : `set MSB_PATH to an msb ${sdkVersion} built for ${host}`
  if (Option.isNone(facts.msb)) {
    results.push(fail("msb", "the msb runtime executable was not found", installMsb))
  } else {
    const msb = facts.msb.value
    const version = Option.getOrUndefined(msb.version)
    results.push(
      version === sdkVersion
        ? pass("msb", `${msb.path} (${msb.source}), version ${version}`)
        : fail(
          "msb",
          version === undefined
            ? `${msb.path} (${msb.source}) does not run or does not report a version`
            : `${msb.path} (${msb.source}) is version ${version}; this SDK needs ${sdkVersion}`,
          installMsb
        )
    )
  }

  results.push(
    Option.match(facts.libkrunfw, {
      onSome: (path) => pass("libkrunfw", path),
      onNone: () =>
        fail(
          "libkrunfw",
          "libkrunfw (the guest kernel library msb loads) was not found next to msb",
          installMsb
        )
    })
  )

  const bundle = bundleFile(facts.platform, facts.arch)
  const installLibrary =
    "run `npx effect-microsandbox install` (with a Go toolchain on PATH, or with GOPROXY and GOSUMDB set; see docs/installation.md), or set MICROSANDBOX_FFI_PATH to the library"
  if (Option.isNone(facts.library)) {
    results.push(
      fail(
        "library",
        `the runtime library libmicrosandbox_go_ffi is not installed (not at MICROSANDBOX_FFI_PATH, nor under $MSB_HOME/lib/v${sdkVersion}/)${
          bundle === undefined ? "; upstream publishes none for this platform" : ""
        }`,
        installLibrary
      )
    )
  } else {
    const { path, source } = facts.library.value
    const reported = Option.getOrUndefined(facts.libraryVersion)
    results.push(
      reported === undefined
        ? pass("library", `${path} (${source})`)
        : "error" in reported
        ? fail("library", `${path} (${source}) does not load: ${reported.error}`, installLibrary)
        : reported.version === sdkVersion
        ? pass("library", `${path} (${source}), version ${reported.version}`)
        : fail(
          "library",
          `${path} (${source}) is version ${reported.version}; this SDK implements ${sdkVersion}`,
          installLibrary
        )
    )
  }

  if (facts.platform === "linux") {
    const kvm = Option.getOrElse(facts.kvm, () => ({ exists: false, readWrite: false }))
    results.push(
      kvm.exists
        ? pass("kvm-device", "/dev/kvm exists")
        : fail(
          "kvm-device",
          "/dev/kvm does not exist",
          "load KVM (modprobe kvm_intel or kvm_amd) with virtualization enabled in the firmware; inside a VM, enable nested virtualization on its host"
        )
    )
    if (kvm.exists) {
      results.push(
        kvm.readWrite
          ? pass("kvm-access", "/dev/kvm is readable and writable")
          : fail(
            "kvm-access",
            "/dev/kvm is not readable and writable by this user",
            "add the user to the kvm group (sudo usermod -aG kvm $USER, then log in again), or grant access with an ACL (sudo setfacl -m u:$USER:rw /dev/kvm)"
          )
      )
    }
    const flags = Option.getOrElse(facts.cpuFlags, () => new Set<string>())
    const hardware = flags.has("vmx") ? "vmx" : flags.has("svm") ? "svm" : undefined
    const inVm = flags.has("hypervisor")
    results.push(
      hardware !== undefined
        ? pass("cpu-virtualization", `the CPU exposes ${hardware}`)
        : fail(
          "cpu-virtualization",
          `the CPU exposes no hardware virtualization (no vmx or svm flag in /proc/cpuinfo)${
            inVm ? "; this is a virtual machine without nested virtualization" : ""
          }`,
          inVm
            ? "enable nested virtualization on the VM's host, or use a bare-metal host or an instance type that offers nested virtualization"
            : "enable virtualization (Intel VT-x / AMD-V) in the firmware settings"
        )
    )
    if (facts.kvmModules.includes("kvm_pvm")) {
      results.push(
        fail(
          "kvm-paravirtual",
          "/dev/kvm is provided by kvm_pvm, a paravirtualized KVM: it cannot run the microVM guest kernel (boots end with KVM_EXIT_INTERNAL_ERROR)",
          "run sandboxes on a host with hardware virtualization: bare metal, or a VM with nested VT-x/AMD-V"
        )
      )
    } else if (kvm.exists && hardware === undefined) {
      results.push(
        fail(
          "kvm-paravirtual",
          `/dev/kvm exists but the CPU has no hardware virtualization: KVM here is emulated or paravirtual (modules: ${
            facts.kvmModules.join(", ") || "none seen"
          }) and cannot run the guest kernel`,
          "run sandboxes on a host with hardware virtualization: bare metal, or a VM with nested VT-x/AMD-V"
        )
      )
    } else {
      results.push(
        pass("kvm-paravirtual", `KVM is hardware-backed (modules: ${facts.kvmModules.join(", ")})`)
      )
    }
  }

  if (facts.platform === "darwin") {
    results.push(
      Option.getOrElse(facts.hvSupport, () => false)
        ? pass("hypervisor-framework", "Hypervisor.framework is available (kern.hv_support = 1)")
        : fail(
          "hypervisor-framework",
          "Hypervisor.framework is not available (kern.hv_support is not 1)",
          "run on a Mac with Apple silicon and macOS 11 or later, outside a VM that hides virtualization"
        )
    )
  }
  return results
}

export interface GatherOptions {
  readonly libraryPath?: string | undefined
  readonly msbPath?: string | undefined
  /** Where /dev, /proc and /sys are (tests point it at a made-up host). */
  readonly root?: string | undefined
  readonly platform?: NodeJS.Platform | undefined
  readonly arch?: string | undefined
  /** Asks the library its version (loads it); absent: not asked. */
  readonly libraryVersion?:
    | ((path: string) => Effect.Effect<string, { readonly message: string }>)
    | undefined
}

/** Reads the host. */
export const gatherFacts = (
  options: GatherOptions = {}
): Effect.Effect<HostFacts, never, FileSystem.FileSystem | CommandExecutor.CommandExecutor> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const platform = options.platform ?? process.platform
    const arch = options.arch ?? process.arch
    const root = options.root ?? "/"
    const exists = (p: string) => fs.exists(p).pipe(Effect.orElseSucceed(() => false))

    // msb, in the runtime's resolution order (MSB_PATH first, then what the SDK points it at)
    const home = yield* msbHome
    const candidates: Array<{ path: string; source: MsbFact["source"] }> = []
    const envMsb = yield* optionalString("MSB_PATH")
    if (Option.isSome(envMsb)) candidates.push({ path: envMsb.value, source: "MSB_PATH" })
    if (options.msbPath !== undefined) candidates.push({ path: options.msbPath, source: "MSB_PATH" })
    const npm = resolveNpmRuntime(platform, arch)
    if (Option.isSome(npm)) candidates.push({ path: npm.value.msbPath, source: "npm package" })
    candidates.push({ path: join(home, "bin", msbFileName(platform)), source: "MSB_HOME" })
    const pathEnv = yield* optionalString("PATH")
    for (const dir of Option.getOrElse(pathEnv, () => "").split(":").filter((d) => d.length > 0)) {
      candidates.push({ path: join(dir, msbFileName(platform)), source: "PATH" })
    }
    let msb = Option.none<MsbFact>()
    for (const c of candidates) {
      if (yield* exists(c.path)) {
        msb = Option.some({ ...c, version: yield* msbVersion(c.path) })
        break
      }
    }

    // libkrunfw next to msb (../lib), as the npm package and the Go SDK's layout have it
    let libkrunfw = Option.none<string>()
    if (Option.isSome(msb)) {
      const libDir = join(dirname(msb.value.path), "..", "lib")
      const names = yield* fs.readDirectory(libDir).pipe(Effect.orElseSucceed(() => [] as Array<string>))
      const found = names.filter((n) => n.startsWith("libkrunfw")).sort()[0]
      if (found !== undefined) libkrunfw = Option.some(join(libDir, found))
    }

    const library = yield* findLibrary(options.libraryPath)
    let libraryVersion = Option.none<{ version: string } | { error: string }>()
    if (Option.isSome(library) && options.libraryVersion !== undefined) {
      libraryVersion = Option.some(
        yield* options.libraryVersion(library.value.path).pipe(
          Effect.match({
            onSuccess: (version) => ({ version }),
            onFailure: (e) => ({ error: e.message })
          })
        )
      )
    }

    let kvm = Option.none<{ exists: boolean; readWrite: boolean }>()
    let cpuFlags = Option.none<ReadonlySet<string>>()
    const kvmModules: Array<string> = []
    if (platform === "linux") {
      const dev = join(root, "dev", "kvm")
      const devExists = yield* exists(dev)
      const readWrite = devExists &&
        (yield* fs.access(dev, { readable: true, writable: true }).pipe(
          Effect.as(true),
          Effect.orElseSucceed(() => false)
        ))
      kvm = Option.some({ exists: devExists, readWrite })
      const cpuinfo = yield* fs.readFileString(join(root, "proc", "cpuinfo")).pipe(Effect.option)
      cpuFlags = Option.map(cpuinfo, (text) => {
        const flags = new Set<string>()
        for (const line of text.split("\n")) {
          const m = /^(flags|Features)\s*:\s*(.*)$/.exec(line)
          if (m) { for (const f of m[2]!.split(/\s+/)) if (f) flags.add(f) }
        }
        return flags
      })
      for (const name of KVM_MODULES) {
        if (yield* exists(join(root, "sys", "module", name))) kvmModules.push(name)
      }
    }

    let hvSupport = Option.none<boolean>()
    if (platform === "darwin") {
      hvSupport = yield* Command.make("sysctl", "-n", "kern.hv_support").pipe(
        Command.string,
        Effect.map((out) => Option.some(out.trim() === "1")),
        Effect.orElseSucceed(() => Option.some(false))
      )
    }

    return { platform, arch, msb, libkrunfw, library, libraryVersion, kvm, cpuFlags, kvmModules, hvSupport }
  })
