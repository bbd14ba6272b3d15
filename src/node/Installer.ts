/**
 * Getting the real runtime onto a machine.
 *
 * The runtime has three pieces. `msb` (the runtime executable) and `libkrunfw` come
 * from the npm package `@superradcompany/microsandbox-<platform>`, an optional
 * dependency of this package pinned to the runtime version this SDK implements: npm
 * already installed them. The C-ABI library `libmicrosandbox_go_ffi` is looked for,
 * in order, at an explicit path, at `MICROSANDBOX_FFI_PATH`, and at the install location
 * `$MSB_HOME/lib/v<version>/` (default `~/.microsandbox`, also where the upstream Go
 * SDK puts it). Otherwise `ensureInstalled` installs it from the only place upstream
 * publishes it, the tagged Go module `github.com/superradcompany/microsandbox/sdk/go`:
 *
 * - with a Go toolchain on PATH, `go mod download` fetches and verifies the module with
 *   your Go settings;
 * - without one, the module zip is downloaded through the proxies in `GOPROXY` and its
 *   `h1:` hash verified against the checksum database that `GOSUMDB` names (signed tree
 *   head and inclusion proof). This library names no proxy or database of its own.
 *
 * Only the library file is extracted; it is moved into place atomically. An unverified
 * library is never installed unless `allowUnverified: true` says so.
 *
 * @example
 * ```ts
 * import { NodeContext, NodeHttpClient } from "@effect/platform-node"
 * import { Effect, Layer } from "effect"
 * import { Installer } from "effect-microsandbox/node"
 *
 * const program = Effect.gen(function*() {
 *   const installation = yield* Installer.ensureInstalled()
 *   yield* Effect.log(`runtime library at ${installation.libraryPath}`)
 * })
 *
 * // Run it with `Effect.runPromise(runnable)`: it may download the runtime library.
 * const runnable = program.pipe(Effect.provide(Layer.merge(NodeContext.layer, NodeHttpClient.layerUndici)))
 * ```
 *
 * @since 0.1.0
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { SDK_RUNTIME_VERSION } from "../internal/ffi/loader.js"
import * as internal from "../internal/install/install.js"
import * as Microsandbox from "../Microsandbox.js"
import type {
  CallError,
  ChecksumMismatch,
  InstallFailed,
  LibraryNotLoaded,
  VerificationFailed
} from "../MicrosandboxError.js"

/**
 * Progress of the module download.
 *
 * @since 0.1.0
 * @category models
 */
export interface Progress {
  /** The URL being downloaded. */
  readonly url: string
  readonly receivedBytes: number
  /** The size the proxy announced (Content-Length), when it did. */
  readonly totalBytes: Option.Option<number>
}

/**
 * Options of `ensureInstalled`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Use the library at this path when it exists (then MICROSANDBOX_FFI_PATH, then the install location). */
  readonly libraryPath?: string | undefined
  /** Never download: fail with `InstallFailed` (reason `SkipDownload`) when the library is not already there. */
  readonly skipDownload?: boolean | undefined
  /**
   * Install even when the module zip cannot be verified against a checksum database
   * (`GOSUMDB` unset or `off`, or the module excluded by `GONOSUMDB`/`GOPRIVATE`).
   * Off by default: without it such an install fails with `VerificationFailed`.
   */
  readonly allowUnverified?: boolean | undefined
  /**
   * Called as the module zip downloads (default: a log line at every 10%). Only the
   * caller that starts an install sees its progress; concurrent callers wait for it.
   */
  readonly onProgress?: ((progress: Progress) => Effect.Effect<void>) | undefined
}

/**
 * Where the library came from.
 *
 * @since 0.1.0
 * @category models
 */
export type Provenance =
  /** It was already there: at the explicit path, MICROSANDBOX_FFI_PATH, or the install location. */
  | { readonly _tag: "Found"; readonly source: "explicit" | "MICROSANDBOX_FFI_PATH" | "install" }
  /** Installed now from the module the Go toolchain fetched and verified (`sum` is its `h1:` hash). */
  | { readonly _tag: "GoToolchain"; readonly sum: Option.Option<string> }
  /** Installed now from a module proxy; `verified` is false only with `allowUnverified`. */
  | { readonly _tag: "Proxy"; readonly url: string; readonly sum: string; readonly verified: boolean }

/**
 * The result of `ensureInstalled`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Installation {
  /** The runtime library to load. */
  readonly libraryPath: string
  readonly provenance: Provenance
  /**
   * The `msb` the runtime library should use (`Microsandbox.Options.msbPath`): the npm
   * package's, else `$MSB_HOME/bin/msb` when present. The runtime's own `MSB_PATH`
   * environment variable still comes first.
   */
  readonly msbPath: Option.Option<string>
}

/**
 * Every way an install can fail.
 *
 * @since 0.1.0
 * @category errors
 */
export type InstallError = InstallFailed | VerificationFailed | ChecksumMismatch

/**
 * The runtime version this SDK implements (and installs).
 *
 * @since 0.1.0
 * @category constants
 */
export const sdkVersion: Effect.Effect<string> = Effect.succeed(SDK_RUNTIME_VERSION)

/**
 * The version the loaded runtime library reports.
 *
 * @since 0.1.0
 * @category accessors
 */
export const runtimeVersion: Effect.Effect<string, CallError, Microsandbox.Microsandbox> =
  Microsandbox.runtimeVersion

/**
 * Finds the runtime library, or installs it (see the module documentation). Idempotent:
 * once installed, later calls return at once. Concurrent callers in one process share
 * one install; interrupting every one of them stops it and leaves nothing behind.
 *
 * Fails with `InstallFailed` (no source, proxy or Go tool failure, the module lacks the
 * library, `skipDownload`), `VerificationFailed` (no checksum database, bad signature,
 * record not in the signed tree), or `ChecksumMismatch`.
 *
 * @since 0.1.0
 * @category installation
 */
export const ensureInstalled = (
  options: Options = {}
): Effect.Effect<
  Installation,
  InstallError,
  FileSystem.FileSystem | HttpClient.HttpClient | CommandExecutor.CommandExecutor
> =>
  internal.ensureInstalled({
    libraryPath: options.libraryPath,
    skipDownload: options.skipDownload,
    allowUnverified: options.allowUnverified,
    onProgress: options.onProgress === undefined
      ? undefined
      : (p) => options.onProgress!({ ...p, totalBytes: Option.fromNullable(p.totalBytes) })
  })

/**
 * Whether the runtime is ready without installing anything: the library is at the
 * explicit path, MICROSANDBOX_FFI_PATH or the install location, and an `msb` is known
 * (`MSB_PATH`, the npm package, or `$MSB_HOME/bin/msb`).
 *
 * @since 0.1.0
 * @category installation
 */
export const isInstalled = (
  options: { readonly libraryPath?: string | undefined } = {}
): Effect.Effect<boolean, never, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const library = yield* internal.findLibrary(options.libraryPath)
    if (Option.isNone(library)) return false
    const msbEnv = yield* Config.option(Config.string("MSB_PATH")).pipe(
      Effect.orElseSucceed(() => Option.none())
    )
    if (Option.isSome(msbEnv) && msbEnv.value.length > 0) return true
    return Option.isSome(yield* internal.defaultMsbPath)
  })

/**
 * A `Microsandbox` layer that first ensures the runtime is installed, then loads the
 * library it found or installed and points it at the `msb` it found.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMicrosandbox = (
  options: Options & Microsandbox.Options = {}
): Layer.Layer<
  Microsandbox.Microsandbox,
  InstallError | LibraryNotLoaded,
  FileSystem.FileSystem | HttpClient.HttpClient | CommandExecutor.CommandExecutor
> =>
  Layer.unwrapEffect(
    Effect.map(ensureInstalled(options), (installation) =>
      Microsandbox.layer({
        ...options,
        libraryPath: installation.libraryPath,
        msbPath: options.msbPath ?? Option.getOrUndefined(installation.msbPath)
      }))
  )

/**
 * `layerMicrosandbox` with Node's file system, commands and HTTP client provided.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMicrosandboxNode = (
  options: Options & Microsandbox.Options = {}
): Layer.Layer<Microsandbox.Microsandbox, InstallError | LibraryNotLoaded> =>
  layerMicrosandbox(options).pipe(Layer.provide(Layer.merge(NodeContext.layer, NodeHttpClient.layerUndici)))
