/**
 * Named volumes: persistent storage that outlives sandboxes, mounted by name
 * (`Mount.named(volume)`). On the local backend a volume is a host directory under
 * `$MSB_HOME/volumes/<name>/` (a disk volume holds a `disk.raw` image there).
 *
 * File operations (`volume.fs`) take paths relative to the volume root. A path that is
 * absolute, contains a NUL byte or a `..` component fails with `InvalidArgument` before
 * anything reaches the runtime; a path that reaches outside the volume through a
 * symbolic link (dangling or not) fails with `Filesystem`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Microsandbox, Mount, Sandbox, SandboxConfig, Volume } from "effect-microsandbox"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function*() {
 *     // Removed when the scope ends (unless `keep: true`).
 *     const data = yield* Volume.make("build-cache", { quotaMib: 1024 })
 *     yield* data.fs.write("config/settings.json", JSON.stringify({ fast: true }))
 *     const sandbox = yield* Sandbox.make(
 *       "builder",
 *       SandboxConfig.image("alpine"),
 *       SandboxConfig.mounts({ "/cache": Mount.named(data) })
 *     )
 *     yield* sandbox.exec("ls", ["/cache/config"])
 *   })
 * )
 *
 * // Run it with `Effect.runPromise(runnable)` on a host that can boot sandboxes.
 * const runnable = program.pipe(Effect.provide(Microsandbox.layer()))
 * ```
 *
 * @since 0.1.0
 */
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import type { Pipeable } from "effect/Pipeable"
import type * as Scope from "effect/Scope"
import { guardSelf } from "./internal/dual.js"
import * as internal from "./internal/volume.js"
import { Microsandbox } from "./Microsandbox.js"
import type * as Errors from "./MicrosandboxError.js"

/**
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: typeof internal.TypeId = internal.TypeId
/**
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = internal.TypeId

// ------------------------------------------------------------------ models

/**
 * `dir` (a host directory shared through virtiofs) or `disk` (a raw ext4 image).
 *
 * @since 0.1.0
 * @category models
 */
export const VolumeKind = internal.VolumeKind
/**
 * @since 0.1.0
 * @category models
 */
export type VolumeKind = internal.VolumeKind

/**
 * A volume's record as the runtime reports it (§5.0 `Volume`): `id` (cloud only),
 * `name`, `isDefault`, `path` (the host directory of a local volume), `kind`, `quotaMib`,
 * `usedBytes`, `capacityBytes` / `diskFormat` / `diskFstype` (disk volumes), `labels`,
 * `createdAt`.
 *
 * @since 0.1.0
 * @category models
 */
export const VolumeInfo = internal.VolumeInfo
/**
 * @since 0.1.0
 * @category models
 */
export type VolumeInfo = internal.VolumeInfo

/**
 * Options of `create` / `make`: `kind` (default `dir`); `quotaMib` limits a directory
 * volume; `sizeMib` is required for (and only allowed on) a disk volume; `labels`.
 *
 * @since 0.1.0
 * @category models
 */
export const CreateOptions = internal.CreateOptions
/**
 * @since 0.1.0
 * @category models
 */
export type CreateOptions = internal.CreateOptions

/**
 * `create` options plus `keep`: leave the volume in place when the Scope ends.
 *
 * @since 0.1.0
 * @category models
 */
export interface MakeOptions extends CreateOptions {
  readonly keep?: boolean | undefined
}

// ------------------------------------------------------------------ errors

/**
 * What `create`, `make` and `layer` can fail with: `InvalidConfig` naming the option (a
 * bad name or bad options, before any call), `VolumeAlreadyExists`, and what any native
 * call can report (`CallError`).
 * @since 0.1.0
 * @category errors
 */
export type CreateError = Errors.CallError | Errors.InvalidConfig | Errors.VolumeAlreadyExists
/**
 * `VolumeNotFound`, and what any native call can report.
 *
 * @since 0.1.0
 * @category errors
 */
export type GetError = Errors.CallError | Errors.VolumeNotFound
/**
 * What any native call can report.
 *
 * @since 0.1.0
 * @category errors
 */
export type ListError = Errors.CallError
/**
 * `VolumeNotFound`; `InvalidConfig` when the volume is mounted by a running sandbox.
 * @since 0.1.0
 * @category errors
 */
export type RemoveError = Errors.CallError | Errors.VolumeNotFound | Errors.InvalidConfig
/**
 * `UnsupportedOperation` on the local backend; `VolumeNotFound`.
 *
 * @since 0.1.0
 * @category errors
 */
export type DefaultError = Errors.CallError | Errors.VolumeNotFound
/**
 * `InvalidArgument` for a refused path, `Filesystem` for a path that escapes the volume
 * (or a runtime-side filesystem failure), `PathNotFound`, `VolumeNotFound` once the
 * volume is gone, `Io` for other host errors: `MicrosandboxError.VolumeFsError`.
 * @since 0.1.0
 * @category errors
 */
export type FsError = Errors.VolumeFsError

// ------------------------------------------------------------------ the volume

/**
 * File operations on a volume's contents, relative to its root.
 *
 * @since 0.1.0
 * @category models
 */
export interface VolumeFs {
  /** The whole file. */
  readonly read: (path: string) => Effect.Effect<Uint8Array, FsError>
  /** The whole file as UTF-8 text. */
  readonly readString: (path: string) => Effect.Effect<string, FsError>
  /** Creates or truncates the file (and its parent directories). */
  readonly write: (path: string, data: Uint8Array | string) => Effect.Effect<void, FsError>
  /** Creates a directory and its parents. */
  readonly mkdir: (path: string) => Effect.Effect<void, FsError>
  /** Removes one file. */
  readonly remove: (path: string) => Effect.Effect<void, FsError>
  /** Removes a directory tree (never the volume root). */
  readonly removeDir: (path: string) => Effect.Effect<void, FsError>
  readonly exists: (path: string) => Effect.Effect<boolean, FsError>
}

/**
 * A named volume, as read by `get`, `list` or `create`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Volume extends Pipeable {
  readonly [TypeId]: TypeId
  readonly name: string
  /** The record when this value was read (see `refresh`). */
  readonly info: VolumeInfo
  /** Reads the record again. */
  readonly refresh: Effect.Effect<Volume, GetError>
  /** Removes the volume and its contents. */
  readonly remove: Effect.Effect<void, RemoveError>
  readonly fs: VolumeFs
}

/**
 * @since 0.1.0
 * @category guards
 */
export const isVolume: (u: unknown) => u is Volume = internal.isVolume

// The data-first bodies below refuse a `self` that is not a Volume with an InvalidArgument.
const onVolume = guardSelf({ is: internal.isVolume, argument: "volume", expected: "a Volume" })

// ------------------------------------------------------------------ constructors and lookups

/**
 * Creates a volume (`VolumeAlreadyExists` when the name is taken; `InvalidConfig`, naming
 * the option, before any call). If the calling fiber is interrupted after the runtime
 * created it anyway, the volume is removed.
 *
 * @since 0.1.0
 * @category constructors
 */
export const create = (
  name: string,
  options: CreateOptions = {}
): Effect.Effect<Volume, CreateError, Microsandbox> =>
  Effect.flatMap(Microsandbox, (svc) => internal.create(svc, name, options))

/**
 * A volume owned by the current Scope: created now, removed on every exit of the Scope
 * unless `keep: true` (a removal failure is logged, never raised).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (
  name: string,
  options?: MakeOptions
) => Effect.Effect<Volume, CreateError, Microsandbox | Scope.Scope> = internal.make

/**
 * A volume as a Layer for a service tag of yours (created when the Layer is built,
 * removed when it is released unless `keep: true`).
 *
 * @example
 * ```ts
 * import { Context } from "effect"
 * import { Volume } from "effect-microsandbox"
 *
 * class Cache extends Context.Tag("Cache")<Cache, Volume.Volume>() {}
 * const CacheLive = Volume.layer(Cache, "cache", { quotaMib: 512 })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <I>(
  tag: Context.Tag<I, Volume>,
  name: string,
  options: MakeOptions = {}
): Layer.Layer<I, CreateError, Microsandbox> => Layer.scoped(tag, internal.make(name, options))

/**
 * The volume of that name (`VolumeNotFound`).
 *
 * @since 0.1.0
 * @category getters
 */
export const get = (name: string): Effect.Effect<Volume, GetError, Microsandbox> =>
  Effect.flatMap(Microsandbox, (svc) => internal.get(svc, name))

/**
 * Every volume, newest first.
 *
 * @since 0.1.0
 * @category getters
 */
export const list: Effect.Effect<ReadonlyArray<Volume>, ListError, Microsandbox> = Effect.flatMap(
  Microsandbox,
  internal.list
)

/**
 * The cloud account's default volume. The local backend has none: `UnsupportedOperation`.
 *
 * @since 0.1.0
 * @category getters
 */
export const getDefault: Effect.Effect<Volume, DefaultError, Microsandbox> = Effect.flatMap(
  Microsandbox,
  internal.getDefault
)

/**
 * Removes a volume and its contents, by name or value (`VolumeNotFound`; `InvalidConfig`
 * while a running sandbox mounts it).
 *
 * @since 0.1.0
 * @category destructors
 */
export const remove = (volume: string | Volume): Effect.Effect<void, RemoveError, Microsandbox> =>
  Effect.flatMap(
    Microsandbox,
    // Anything that is neither is refused by the by-name check (InvalidArgument).
    (svc) =>
      internal.remove(
        svc,
        typeof volume === "string" ? volume : internal.isVolume(volume) ? volume.name : volume
      )
  )

// ------------------------------------------------------------------ file operations, data-first or pipeable

/**
 * Reads a file of the volume (data-first or pipeable).
 *
 * @example
 * ```ts
 * import { Volume } from "effect-microsandbox"
 *
 * const blob = (volume: Volume.Volume) => volume.pipe(Volume.read("data/blob.bin"))
 * ```
 *
 * @since 0.1.0
 * @category file operations
 */
export const read: {
  (path: string): (self: Volume) => Effect.Effect<Uint8Array, FsError>
  (self: Volume, path: string): Effect.Effect<Uint8Array, FsError>
} = dual(
  2,
  onVolume("Volume.read", Effect.fail, (self: Volume, path: string) => self.fs.read(path))
)

/**
 * Reads a file as UTF-8 text.
 *
 * @since 0.1.0
 * @category file operations
 */
export const readString: {
  (path: string): (self: Volume) => Effect.Effect<string, FsError>
  (self: Volume, path: string): Effect.Effect<string, FsError>
} = dual(
  2,
  onVolume("Volume.readString", Effect.fail, (self: Volume, path: string) => self.fs.readString(path))
)

/**
 * Creates or truncates a file (and its parents).
 *
 * @since 0.1.0
 * @category file operations
 */
export const write: {
  (path: string, data: Uint8Array | string): (self: Volume) => Effect.Effect<void, FsError>
  (self: Volume, path: string, data: Uint8Array | string): Effect.Effect<void, FsError>
} = dual(
  3,
  onVolume(
    "Volume.write",
    Effect.fail,
    (self: Volume, path: string, data: Uint8Array | string) => self.fs.write(path, data)
  )
)

/**
 * Creates a directory and its parents.
 *
 * @since 0.1.0
 * @category file operations
 */
export const mkdir: {
  (path: string): (self: Volume) => Effect.Effect<void, FsError>
  (self: Volume, path: string): Effect.Effect<void, FsError>
} = dual(
  2,
  onVolume("Volume.mkdir", Effect.fail, (self: Volume, path: string) => self.fs.mkdir(path))
)

/**
 * Removes one file.
 *
 * @since 0.1.0
 * @category file operations
 */
export const removeFile: {
  (path: string): (self: Volume) => Effect.Effect<void, FsError>
  (self: Volume, path: string): Effect.Effect<void, FsError>
} = dual(
  2,
  onVolume("Volume.removeFile", Effect.fail, (self: Volume, path: string) => self.fs.remove(path))
)

/**
 * Removes a directory tree.
 *
 * @since 0.1.0
 * @category file operations
 */
export const removeDir: {
  (path: string): (self: Volume) => Effect.Effect<void, FsError>
  (self: Volume, path: string): Effect.Effect<void, FsError>
} = dual(
  2,
  onVolume("Volume.removeDir", Effect.fail, (self: Volume, path: string) => self.fs.removeDir(path))
)

/**
 * Whether a path exists.
 *
 * @since 0.1.0
 * @category file operations
 */
export const exists: {
  (path: string): (self: Volume) => Effect.Effect<boolean, FsError>
  (self: Volume, path: string): Effect.Effect<boolean, FsError>
} = dual(
  2,
  onVolume("Volume.exists", Effect.fail, (self: Volume, path: string) => self.fs.exists(path))
)
