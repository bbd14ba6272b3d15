/**
 * A sandbox's guest filesystem as `@effect/platform`'s `FileSystem.FileSystem`, so code
 * written against `FileSystem` runs unchanged inside a sandbox.
 *
 * Every verb is the matching `sandbox.fs` operation; failures are the platform's
 * `PlatformError`: a missing path is `SystemError` with reason `NotFound`, an existing one
 * `AlreadyExists`, a wrong kind `BadResource`, a refused one `PermissionDenied`, an invalid
 * argument `BadArgument`, anything else (a stopped sandbox…) reason `Unknown` with the
 * library's error as `cause`. Relative paths are resolved against `options.cwd` (default `/`).
 *
 * What the runtime has no verb for fails with `SystemError` reason `Unknown` and a
 * description that says so: `open` (no file descriptors: use `readFile`, `stream`,
 * `writeFile`, `sink`), `chmod`, `chown`, `link`, `symlink`, `readLink`, `realPath`,
 * `utimes`, `watch`. Emulated: `truncate` and `writeFile` with flag `a` (read, then write
 * the whole file), `makeDirectory` without `recursive` (checks, then the runtime's mkdir),
 * `stream` options `offset`/`bytesToRead` (the runtime's chunks are sliced; `chunkSize` and
 * `bufferSize` are ignored). `mode` options are ignored; `stat` has no atime, uid, gid or inode.
 * `copy` replaces files existing at the target whatever `overwrite` says (Node's keeps them).
 *
 * @example
 * ```ts
 * import { FileSystem } from "@effect/platform"
 * import { Effect } from "effect"
 * import { SandboxFileSystem, type Sandbox } from "effect-microsandbox"
 *
 * // Written against the platform's FileSystem: runs on the host or in a sandbox.
 * const program = Effect.gen(function*() {
 *   const fs = yield* FileSystem.FileSystem
 *   yield* fs.makeDirectory("/app", { recursive: true })
 *   yield* fs.writeFileString("/app/main.py", "print('hi')\n")
 *   return yield* fs.readDirectory("/app")
 * })
 *
 * const inSandbox = (sandbox: Sandbox.Sandbox) => program.pipe(Effect.provide(SandboxFileSystem.layer(sandbox)))
 * ```
 *
 * @since 0.1.0
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import { FileSystem as FileSystemTag } from "@effect/platform/FileSystem"
import * as Layer from "effect/Layer"
import * as internal from "./internal/platform/fileSystem.js"
import type { SandboxFs } from "./SandboxFs.js"

/**
 * Options of `make` and `layer`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The guest directory relative paths are resolved against (absolute; default `/`). */
  readonly cwd?: string | undefined
}

/**
 * The guest filesystem of a sandbox (anything with an `fs`, such as a `Sandbox`) as a
 * `FileSystem`. Valid while the sandbox is.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  sandbox: { readonly fs: SandboxFs },
  options?: Options
): FileSystem.FileSystem => internal.make(sandbox.fs, options)

/**
 * A layer providing `FileSystem.FileSystem` over a sandbox's guest filesystem.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  sandbox: { readonly fs: SandboxFs },
  options?: Options
): Layer.Layer<FileSystem.FileSystem> => Layer.sync(FileSystemTag, () => make(sandbox, options))
