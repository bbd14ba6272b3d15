/**
 * Installing the runtime's C-ABI library: find it (explicit path, MICROSANDBOX_FFI_PATH,
 * the install location), or fetch the upstream Go module that carries it — through the
 * Go toolchain when there is one, else through the GOPROXY list with the zip verified
 * against the GOSUMDB checksum database — extract that one file and move it into place
 * atomically. Concurrent callers in a process share one install.
 *
 * @internal
 */
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as FileSystem from "@effect/platform/FileSystem"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { join } from "node:path"
import type { Installation, Provenance } from "../../node/Installer.js"
import { optionalString } from "../env.js"
import { ChecksumMismatch, InstallFailed, type LoadAttempt, VerificationFailed } from "../errorModel.js"
import { installedLibraryPaths, libraryCandidates, msbHome, SDK_RUNTIME_VERSION } from "../ffi/loader.js"
import { hashZip } from "./dirhash.js"
import { bundleFile, matchesGlobList, MODULE_PATH, parseGoProxy, parseGoSumDb } from "./goenv.js"
import { goModDownload } from "./gotool.js"
import { shared } from "./inflight.js"
import { msbFileName, resolveNpmRuntime } from "./msb.js"
import { parseVerifierKey } from "./note.js"
import { type DownloadProgress, downloadZip } from "./proxy.js"
import { lookupZipHash, resolveSumDb } from "./sumdb.js"
import { type ReadAt, readCentralDirectory, readEntry, type ZipEntry, ZipError } from "./zip.js"

const OPERATION = "Installer.ensureInstalled"
export const MODULE_VERSION = `v${SDK_RUNTIME_VERSION}`

export interface InstallOptions {
  readonly libraryPath?: string | undefined
  readonly skipDownload?: boolean | undefined
  readonly allowUnverified?: boolean | undefined
  readonly onProgress?: ((progress: DownloadProgress) => Effect.Effect<void>) | undefined
  readonly platform?: NodeJS.Platform | undefined
  readonly arch?: string | undefined
}

export type LibrarySource = LoadAttempt["source"]
export type { Provenance }
/** The result of an install (the public `Installer.Installation`). */
export type InstallResult = Installation

type InstallError = InstallFailed | VerificationFailed | ChecksumMismatch

const installFailed = (reason: InstallFailed["reason"], message: string, remedy: string) =>
  new InstallFailed({ message, operation: OPERATION, reason, remedy })

const isUsableFile = (fs: FileSystem.FileSystem, path: string) =>
  fs.stat(path).pipe(
    Effect.map((info) => info.type === "File" && Number(info.size) > 0),
    Effect.orElseSucceed(() => false)
  )

/** The first place the library already is, without installing. */
export const findLibrary = (
  explicitPath: string | undefined
): Effect.Effect<Option.Option<{ path: string; source: LibrarySource }>, never, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    for (const c of yield* libraryCandidates(explicitPath)) {
      if (yield* isUsableFile(fs, c.path)) return Option.some(c)
    }
    return Option.none()
  })

/**
 * The `msb` the runtime should use when MSB_PATH does not say: the npm package's, else
 * `$MSB_HOME/bin/msb` when it exists.
 */
export const defaultMsbPath: Effect.Effect<Option.Option<string>, never, FileSystem.FileSystem> = Effect.gen(
  function*() {
    const npm = resolveNpmRuntime()
    if (Option.isSome(npm)) return Option.some(npm.value.msbPath)
    const fs = yield* FileSystem.FileSystem
    const home = yield* msbHome
    const path = join(home, "bin", msbFileName())
    return (yield* isUsableFile(fs, path)) ? Option.some(path) : Option.none()
  }
)

/** A ReadAt over an open file. */
const readAtFile = (file: FileSystem.File): ReadAt<ZipError> => (offset, length) =>
  Effect.zipRight(
    file.seek(offset, "start"),
    file.readAlloc(length).pipe(
      Effect.map(Option.getOrElse(() => new Uint8Array(0))),
      Effect.mapError((e) => new ZipError({ message: e.message }))
    )
  )

const defaultProgress = (): (p: DownloadProgress) => Effect.Effect<void> => {
  let lastStep = -1
  return (p) => {
    const step = p.totalBytes !== undefined && p.totalBytes > 0
      ? Math.floor((p.receivedBytes / p.totalBytes) * 10)
      : Math.floor(p.receivedBytes / (8 * 1024 * 1024))
    if (step === lastStep) return Effect.void
    lastStep = step
    const mib = (n: number) => (n / (1024 * 1024)).toFixed(1)
    return Effect.logInfo(
      p.totalBytes !== undefined
        ? `downloading ${p.url}: ${mib(p.receivedBytes)} of ${mib(p.totalBytes)} MiB (${step * 10}%)`
        : `downloading ${p.url}: ${mib(p.receivedBytes)} MiB`
    )
  }
}

const noProxyRemedy =
  "install a Go toolchain (its `go mod download` then fetches and verifies the module with your Go settings), " +
  "or set GOPROXY to a Go module proxy URL and GOSUMDB to its checksum database as <name>+<hash>+<key> [<url>] " +
  "(on a machine with Go, `go env GOPROXY GOSUMDB` prints the values the Go tool uses; GOSUMDB needs the full key), " +
  "or set MICROSANDBOX_FFI_PATH to a copy of the library"

/** Installs the library file into `target` (the versioned install location). */
const install = (
  target: string,
  options: InstallOptions
): Effect.Effect<
  InstallResult,
  InstallError,
  FileSystem.FileSystem | HttpClient.HttpClient | CommandExecutor.CommandExecutor
> =>
  Effect.scoped(Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const platform = options.platform ?? process.platform
    const arch = options.arch ?? process.arch
    const bundle = bundleFile(platform, arch)
    if (bundle === undefined) {
      return yield* installFailed(
        "UnsupportedPlatform",
        `upstream publishes no runtime library for ${platform}/${arch}`,
        "use a supported host (linux/amd64, linux/arm64, darwin/arm64) or set MICROSANDBOX_FFI_PATH to a library you built"
      )
    }
    const targetDir = join(target, "..")
    yield* fs.makeDirectory(targetDir, { recursive: true }).pipe(
      Effect.mapError((e) =>
        installFailed(
          "WriteFailed",
          `cannot create ${targetDir}: ${e.message}`,
          "check MSB_HOME and its permissions"
        )
      )
    )
    // Everything transient lives here, on the target's file system, and goes with the scope.
    const work = yield* fs.makeTempDirectoryScoped({ directory: targetDir, prefix: ".install-" }).pipe(
      Effect.mapError((e) =>
        installFailed(
          "WriteFailed",
          `cannot write in ${targetDir}: ${e.message}`,
          "check MSB_HOME and its permissions"
        )
      )
    )
    const entryName = `${MODULE_PATH}@${MODULE_VERSION}/${bundle.path}`
    const staged = join(work, "library")

    const writeFailed = (e: { readonly message: string }) =>
      installFailed(
        "WriteFailed",
        `installing ${target} failed: ${e.message}`,
        "check MSB_HOME and its permissions"
      )

    // Reads the module zip, checks its hash, and stages the one file we need.
    const fromZip = (zipPath: string, expected: Option.Option<string>) =>
      Effect.scoped(Effect.gen(function*() {
        const file = yield* fs.open(zipPath, { flag: "r" }).pipe(Effect.mapError(writeFailed))
        const size = Number((yield* file.stat.pipe(Effect.mapError(writeFailed))).size)
        const readAt = readAtFile(file)
        const badArchive = (e: ZipError) =>
          installFailed(
            "BadArchive",
            `the module zip for ${MODULE_PATH}@${MODULE_VERSION} is unreadable: ${e.message}`,
            "retry; if it persists, the module proxy serves a broken archive"
          )
        const entries: ReadonlyArray<ZipEntry> = yield* readCentralDirectory(readAt, size).pipe(
          Effect.mapError(badArchive)
        )
        const actual = yield* hashZip(readAt, entries).pipe(Effect.mapError(badArchive))
        if (Option.isSome(expected) && expected.value !== actual) {
          return yield* new ChecksumMismatch({
            message:
              `the module zip of ${MODULE_PATH}@${MODULE_VERSION} has hash ${actual}, but the checksum database records ${expected.value}; nothing was installed`,
            operation: OPERATION,
            module: MODULE_PATH,
            version: MODULE_VERSION,
            expected: expected.value,
            actual
          })
        }
        const entry = entries.find((e) => e.name === entryName)
        if (entry === undefined || entry.size === 0) {
          return yield* installFailed(
            "NotInModule",
            `${MODULE_PATH}@${MODULE_VERSION} has ${
              entry === undefined ? "no" : "an empty"
            } ${bundle.path}: upstream did not publish the library for ${bundle.goos}/${bundle.goarch} in this version`,
            "set MICROSANDBOX_FFI_PATH to a library built from the upstream sources (cargo build -p microsandbox-go)"
          )
        }
        const data = yield* readEntry(readAt, entry).pipe(Effect.mapError(badArchive))
        yield* fs.writeFile(staged, data, { mode: 0o755 }).pipe(Effect.mapError(writeFailed))
        return actual
      }))

    // (a) The Go toolchain, with the user's own Go settings.
    const path = yield* optionalString("PATH")
    const scratch = join(work, "scratch")
    yield* fs.makeDirectory(scratch).pipe(Effect.mapError(writeFailed))
    const viaGo = yield* goModDownload(MODULE_PATH, MODULE_VERSION, scratch, path)
    let provenance: Provenance
    if (Option.isSome(viaGo)) {
      const download = viaGo.value
      yield* Effect.logInfo(
        `fetched ${MODULE_PATH}@${MODULE_VERSION} with the Go toolchain into ${download.Dir}`
      )
      if (download.Zip !== undefined && download.Sum !== undefined) {
        // The Go tool verified the zip; check that the folder we read from is that zip's content.
        yield* fromZip(download.Zip, Option.some(download.Sum))
      } else {
        const source = join(download.Dir, bundle.path)
        if (!(yield* isUsableFile(fs, source))) {
          return yield* installFailed(
            "NotInModule",
            `${source} is missing or empty: upstream did not publish the library for ${bundle.goos}/${bundle.goarch} in this version`,
            "set MICROSANDBOX_FFI_PATH to a library built from the upstream sources (cargo build -p microsandbox-go)"
          )
        }
        yield* fs.copyFile(source, staged).pipe(Effect.mapError(writeFailed))
      }
      provenance = { _tag: "GoToolchain", sum: Option.fromNullable(download.Sum) }
    } else {
      // (b) The module proxy protocol, verified against the checksum database.
      const goproxy = yield* optionalString("GOPROXY")
      if (Option.isNone(goproxy)) {
        return yield* installFailed(
          "NoSource",
          `cannot install the runtime library: there is no Go toolchain on PATH and GOPROXY is not set (this library names no module proxy of its own)`,
          noProxyRemedy
        )
      }
      const parsed = parseGoProxy(goproxy.value)
      if ("error" in parsed) return yield* installFailed("NoSource", parsed.error, noProxyRemedy)
      const goprivate = yield* optionalString("GOPRIVATE")
      const noproxy = Option.orElse(yield* optionalString("GONOPROXY"), () => goprivate)
      if (Option.isSome(noproxy) && matchesGlobList(noproxy.value, MODULE_PATH)) {
        return yield* installFailed(
          "DirectUnsupported",
          `GONOPROXY/GOPRIVATE (${noproxy.value}) sends ${MODULE_PATH} to version control, which needs the Go toolchain`,
          "install a Go toolchain, or remove the module from GONOPROXY/GOPRIVATE"
        )
      }
      const gosumdb = yield* optionalString("GOSUMDB")
      const nosumdb = Option.orElse(yield* optionalString("GONOSUMDB"), () => goprivate)
      const sumdb = Option.map(gosumdb, parseGoSumDb)
      if (Option.isSome(sumdb) && "error" in sumdb.value) {
        return yield* new VerificationFailed({
          message: sumdb.value.error,
          operation: OPERATION,
          reason: "BadVerifierKey",
          remedy: "set GOSUMDB to <name>+<hash>+<key> [<url>]"
        })
      }
      const config = Option.isSome(sumdb) && "config" in sumdb.value
        ? Option.some(sumdb.value.config)
        : Option.none()
      const excluded = Option.isSome(nosumdb) && matchesGlobList(nosumdb.value, MODULE_PATH)
      const verifier = excluded ? Option.none() : config
      if (Option.isNone(verifier) && options.allowUnverified !== true) {
        const why = excluded
          ? `GONOSUMDB/GOPRIVATE (${
            Option.getOrElse(nosumdb, () => "")
          }) excludes ${MODULE_PATH} from checksum verification`
          : Option.isSome(gosumdb)
          ? "GOSUMDB=off disables checksum verification"
          : "GOSUMDB is not set, so the module zip cannot be verified (this library names no checksum database of its own)"
        return yield* new VerificationFailed({
          message: `refusing to install an unverified runtime library: ${why}`,
          operation: OPERATION,
          reason: "NoChecksumDatabase",
          remedy:
            "set GOSUMDB to the checksum database of your module proxy as <name>+<hash>+<key> [<url>]; to install without verification, pass allowUnverified: true (CLI: --allow-unverified)"
        })
      }
      let expected = Option.none<string>()
      if (Option.isSome(verifier)) {
        const key = parseVerifierKey(verifier.value.key)
        if (typeof key === "string") {
          return yield* new VerificationFailed({
            message: `GOSUMDB verifier key "${verifier.value.key}" is invalid: ${key}`,
            operation: OPERATION,
            reason: "BadVerifierKey",
            remedy: "set GOSUMDB to <name>+<hash>+<key> [<url>] exactly as the checksum database publishes it"
          })
        }
        const db = yield* resolveSumDb(parsed.entries, verifier.value)
        expected = Option.some(yield* lookupZipHash(db, key, MODULE_PATH, MODULE_VERSION))
      }
      const zipPath = join(work, "module.zip")
      const url = yield* downloadZip(
        parsed.entries,
        MODULE_PATH,
        MODULE_VERSION,
        zipPath,
        options.onProgress ?? defaultProgress()
      )
      const sum = yield* fromZip(zipPath, expected)
      if (Option.isNone(expected)) {
        yield* Effect.logWarning(
          `installed ${MODULE_PATH}@${MODULE_VERSION} WITHOUT checksum verification (allowUnverified); its hash is ${sum}`
        )
      }
      provenance = { _tag: "Proxy", url, sum, verified: Option.isSome(expected) }
    }
    yield* fs.chmod(staged, 0o755).pipe(Effect.mapError(writeFailed))
    // Atomic on the same file system: a reader sees no library or the whole library.
    yield* fs.rename(staged, target).pipe(Effect.mapError(writeFailed))
    yield* Effect.logInfo(`installed the runtime library at ${target}`)
    return { libraryPath: target, provenance, msbPath: yield* defaultMsbPath }
  }))

/** Finds or installs the library; concurrent callers share one install. */
export const ensureInstalled = (
  options: InstallOptions = {}
): Effect.Effect<
  InstallResult,
  InstallError,
  FileSystem.FileSystem | HttpClient.HttpClient | CommandExecutor.CommandExecutor
> =>
  Effect.gen(function*() {
    const found = yield* findLibrary(options.libraryPath)
    if (Option.isSome(found)) {
      return {
        libraryPath: found.value.path,
        provenance: { _tag: "Found", source: found.value.source },
        msbPath: yield* defaultMsbPath
      } satisfies InstallResult
    }
    const home = yield* msbHome
    const target = installedLibraryPaths(home)[0]!
    if (options.skipDownload === true) {
      return yield* installFailed(
        "SkipDownload",
        `the runtime library is not installed (looked at ${
          [options.libraryPath, ...installedLibraryPaths(home)].filter((p) => p !== undefined).join(", ")
        }, and MICROSANDBOX_FFI_PATH) and skipDownload was set`,
        `install it without skipDownload, or place it at ${target}, or set MICROSANDBOX_FFI_PATH`
      )
    }
    // Another caller may have finished the install while this one was looking.
    return yield* shared(
      target,
      Effect.flatMap(findLibrary(undefined), (again) =>
        Option.isSome(again) && again.value.source === "install"
          ? Effect.map(defaultMsbPath, (msbPath): InstallResult => ({
            libraryPath: again.value.path,
            provenance: { _tag: "Found", source: "install" },
            msbPath
          }))
          : install(target, options))
    )
  }).pipe(Effect.withSpan(OPERATION))
