#!/usr/bin/env node
/**
 * The `effect-microsandbox` command:
 *
 * - `effect-microsandbox doctor` — checks whether this host can boot sandboxes; exits 1
 *   with the failed checks and their remedies when it cannot.
 * - `effect-microsandbox install [--skip-download] [--allow-unverified] [--library PATH]`
 *   — finds or installs the runtime library (see `Installer.ensureInstalled`).
 * - `effect-microsandbox version` — the runtime version this SDK implements.
 *
 * @since 0.1.0
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Doctor from "../Doctor.js"
import * as Installer from "../Installer.js"

const usage = `usage: effect-microsandbox <command>

commands:
  doctor                      check whether this host can boot microsandbox sandboxes
  install [options]           find or install the runtime library
      --skip-download           never download; fail when it is not installed
      --allow-unverified        install even without a checksum database (GOSUMDB)
      --library PATH            use the library at PATH when it exists
  version                     the runtime version this SDK implements`

const exitWith = (code: number) => Effect.sync(() => void (process.exitCode = code))

const doctor = Effect.gen(function*() {
  const report = yield* Doctor.doctor()
  yield* Console.log(Doctor.format(report))
  yield* exitWith(report.ok ? 0 : 1)
})

const install = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const libraryAt = args.indexOf("--library")
    const libraryPath = libraryAt >= 0 ? args[libraryAt + 1] : undefined
    const unknown = args.filter((a, i) =>
      !["--skip-download", "--allow-unverified", "--library"].includes(a) &&
      !(libraryAt >= 0 && i === libraryAt + 1)
    )
    if (unknown.length > 0 || (libraryAt >= 0 && libraryPath === undefined)) {
      yield* Console.error(usage)
      return yield* exitWith(2)
    }
    let lastStep = -1
    const result = yield* Effect.either(Installer.ensureInstalled({
      libraryPath,
      skipDownload: args.includes("--skip-download"),
      allowUnverified: args.includes("--allow-unverified"),
      onProgress: (p) => {
        const total = Option.getOrUndefined(p.totalBytes)
        const step = total
          ? Math.floor((p.receivedBytes / total) * 20)
          : Math.floor(p.receivedBytes / (4 << 20))
        if (step === lastStep) return Effect.void
        lastStep = step
        const mib = (n: number) => (n / 1048576).toFixed(1)
        return Console.error(
          total
            ? `downloading ${mib(p.receivedBytes)}/${mib(total)} MiB (${step * 5}%) ${p.url}`
            : `downloading ${mib(p.receivedBytes)} MiB ${p.url}`
        )
      }
    }))
    if (result._tag === "Left") {
      const e = result.left
      yield* Console.error(`${e._tag}: ${e.message}${"remedy" in e ? `\n→ ${e.remedy}` : ""}`)
      return yield* exitWith(1)
    }
    const { libraryPath: path, provenance, msbPath } = result.right
    const how = provenance._tag === "Found"
      ? `already there (${provenance.source})`
      : provenance._tag === "GoToolchain"
      ? "installed through the Go toolchain"
      : `installed from ${provenance.url}${provenance.verified ? ", verified" : ", NOT verified"}`
    yield* Console.log(`runtime library: ${path} — ${how}`)
    yield* Console.log(
      `msb: ${Option.getOrElse(msbPath, () => "not found (see `effect-microsandbox doctor`)")}`
    )
  })

const main = Effect.suspend(() => {
  const [command, ...args] = process.argv.slice(2)
  switch (command) {
    case "doctor":
      return doctor
    case "install":
      return install(args)
    case "version":
      return Effect.flatMap(Installer.sdkVersion, Console.log)
    default:
      return Effect.zipRight(Console.error(usage), exitWith(command === undefined ? 0 : 2))
  }
})

main.pipe(
  Effect.provide(Layer.merge(NodeContext.layer, NodeHttpClient.layerUndici)),
  NodeRuntime.runMain({ disableErrorReporting: false })
)
