/**
 * The guest filesystem of a running sandbox (`sandbox.fs`). Paths are absolute guest
 * paths, checked before the call. Failures are `Filesystem`, or `PathNotFound` when the
 * path does not exist.
 *
 * @example
 * ```ts
 * import { Effect, Sink, Stream } from "effect"
 * import type { Sandbox } from "effect-microsandbox"
 *
 * const program = (sandbox: Sandbox.Sandbox) =>
 *   Effect.gen(function*() {
 *     yield* sandbox.fs.write("/app/main.py", "print('hi')\n")
 *     const text = yield* sandbox.fs.readString("/app/main.py")
 *     const bytes = yield* sandbox.fs.readStream("/var/log/big.log").pipe(
 *       Stream.run(Sink.foldLeft(0, (n, chunk: Uint8Array) => n + chunk.length))
 *     )
 *     return { text, bytes }
 *   })
 * ```
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Sink from "effect/Sink"
import type * as Stream from "effect/Stream"
import * as model from "./internal/fsModel.js"
import type { FilesystemError } from "./MicrosandboxError.js"

/**
 * @since 0.1.0
 * @category models
 */
export type FileKind = "file" | "directory" | "symlink" | "other"

/**
 * One entry of a directory listing.
 *
 * @since 0.1.0
 * @category models
 */
export const FsEntry: typeof model.FsEntry = model.FsEntry
/**
 * @since 0.1.0
 * @category models
 */
export type FsEntry = model.FsEntry

/**
 * Metadata of one path.
 *
 * @since 0.1.0
 * @category models
 */
export const FsStat: typeof model.FsStat = model.FsStat
/**
 * @since 0.1.0
 * @category models
 */
export type FsStat = model.FsStat

/**
 * @since 0.1.0
 * @category models
 */
export interface SandboxFs {
  /** The whole file; files too large for one response are read through the streaming read, transparently. */
  readonly read: (path: string) => Effect.Effect<Uint8Array, FilesystemError>
  /** The whole file as UTF-8 text. */
  readonly readString: (path: string) => Effect.Effect<string, FilesystemError>
  /** Creates or truncates a file with this content. */
  readonly write: (path: string, data: Uint8Array | string) => Effect.Effect<void, FilesystemError>
  readonly list: (path: string) => Effect.Effect<ReadonlyArray<FsEntry>, FilesystemError>
  readonly stat: (path: string) => Effect.Effect<FsStat, FilesystemError>
  readonly exists: (path: string) => Effect.Effect<boolean, FilesystemError>
  /** Creates a directory and its parents. */
  readonly mkdir: (path: string) => Effect.Effect<void, FilesystemError>
  /** Removes one file. */
  readonly remove: (path: string) => Effect.Effect<void, FilesystemError>
  /** Removes a directory tree. */
  readonly removeDir: (path: string) => Effect.Effect<void, FilesystemError>
  /** Copies within the guest. */
  readonly copy: (from: string, to: string) => Effect.Effect<void, FilesystemError>
  readonly rename: (from: string, to: string) => Effect.Effect<void, FilesystemError>
  /** Copies a host file or directory into the guest. */
  readonly copyFromHost: (hostPath: string, guestPath: string) => Effect.Effect<void, FilesystemError>
  /** Copies a guest file to the host. */
  readonly copyToHost: (guestPath: string, hostPath: string) => Effect.Effect<void, FilesystemError>
  /** The file in chunks, pulled on demand; the native stream is closed when the Stream ends. */
  readonly readStream: (path: string) => Stream.Stream<Uint8Array, FilesystemError>
  /** A sink that creates or truncates the file, writes every chunk, then finalizes the write. */
  readonly writeStream: (path: string) => Sink.Sink<void, Uint8Array, never, FilesystemError>
}
