/**
 * Snapshots: the writable state of a stopped (or crashed) sandbox captured as a
 * self-describing artefact directory (a descriptor whose digest is the snapshot's
 * identity, the captured upper layer, optionally an integrity record), indexed locally,
 * movable as an archive, and bootable with `SandboxConfig.fromSnapshot`.
 *
 * Creating, verifying, exporting and importing read or write the whole upper layer; the
 * runtime reports no progress for them through its C ABI, so each carries a span
 * instead, and each is interruptible (the native call is cancelled and awaited).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Microsandbox, Sandbox, SandboxConfig, Snapshot } from "effect-microsandbox"
 *
 * const program = Effect.gen(function*() {
 *   const artifact = yield* Snapshot.create("builder", { name: "after-build", recordIntegrity: true })
 *   yield* Snapshot.verify(artifact)
 *   const sandbox = yield* Sandbox.make("fork", SandboxConfig.fromSnapshot(artifact))
 *   yield* sandbox.exec("ls", ["/app"])
 * })
 *
 * // Run it with `Effect.runPromise(runnable)` on a host that can boot sandboxes.
 * const runnable = program.pipe(Effect.scoped, Effect.provide(Microsandbox.layer()))
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Schema from "effect/Schema"
import { guardOnFirstUse } from "./internal/compiled.js"
import { isOptionsArgument } from "./internal/dual.js"
import * as internal from "./internal/snapshot.js"
import { Microsandbox } from "./Microsandbox.js"
import type { SnapshotError } from "./MicrosandboxError.js"

/**
 * `disk` (the upper layer) or `resumable` (memory and device state too; not yet
 * produced by the local runtime).
 *
 * @since 0.1.0
 * @category models
 */
export const SnapshotScope = internal.SnapshotScope
/**
 * @since 0.1.0
 * @category models
 */
export type SnapshotScope = internal.SnapshotScope

/**
 * A snapshot artefact on disk, as read from its descriptor (`create`, `open`, `listDir`,
 * `SandboxHandle.snapshot`). Its encoded form is the runtime's JSON document.
 *
 * @since 0.1.0
 * @category models
 */
export const SnapshotArtifact = internal.SnapshotArtifact
/**
 * @since 0.1.0
 * @category models
 */
export type SnapshotArtifact = internal.SnapshotArtifact

/**
 * A snapshot's row in the local index (`get`, `list`, `importArchive`; the Go SDK's
 * `SnapshotHandle`).
 *
 * @since 0.1.0
 * @category models
 */
export const SnapshotRecord = internal.SnapshotRecord
/**
 * @since 0.1.0
 * @category models
 */
export type SnapshotRecord = internal.SnapshotRecord

/**
 * The result of `verify`.
 *
 * @since 0.1.0
 * @category models
 */
export const VerifyReport = internal.VerifyReport
/**
 * @since 0.1.0
 * @category models
 */
export type VerifyReport = internal.VerifyReport

/** A snapshot given by path or name, or by a value that knows its path. */
type Target = string | SnapshotArtifact | SnapshotRecord

const isArtifact = guardOnFirstUse(() => Schema.is(internal.SnapshotArtifact))
const isRecord = guardOnFirstUse(() => Schema.is(internal.SnapshotRecord))
const isTarget = (u: unknown): u is Target => typeof u === "string" || isArtifact(u) || isRecord(u)
// A value that is none of these is handed on as it is, for the check to refuse (InvalidArgument).
const pathOf = (t: Target): string => (typeof t === "string" ? t : isArtifact(t) || isRecord(t) ? t.path : t)

/**
 * Options of `create`.
 *
 * @since 0.1.0
 * @category models
 */
export interface CreateOptions {
  /** The snapshot's name: a bare identifier, the artefact directory's name. */
  readonly name: string
  /** Parent directory of the artefact (default: the runtime's snapshots directory). */
  readonly destination?: string | undefined
  readonly labels?: Readonly<Record<string, string>> | undefined
  /** Replace an existing artefact at the destination (default: `SnapshotAlreadyExists`). */
  readonly force?: boolean | undefined
  /** Record an integrity digest of the upper layer, checked by `verify`. */
  readonly recordIntegrity?: boolean | undefined
  /** Ask for a resumable snapshot (the local runtime answers `UnsupportedOperation`). */
  readonly resumable?: boolean | undefined
}

/**
 * Snapshots a stopped or crashed sandbox (by name, or its `SandboxHandle`). Fails with
 * `SnapshotSandboxRunning` while it runs, `SnapshotAlreadyExists` unless `force`,
 * `SandboxNotFound`, and `InvalidConfig` for a bad name (checked before the runtime is
 * called) or a sandbox that is not rooted in an OCI image.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Snapshot } from "effect-microsandbox"
 *
 * const program = Effect.gen(function*() {
 *   yield* Snapshot.create("builder", { name: "after-build", labels: { stage: "build" } })
 *   yield* Effect.succeed("builder").pipe(Effect.flatMap(Snapshot.create({ name: "again", force: true })))
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const create: {
  (
    options: CreateOptions
  ): (
    sandbox: string | { readonly name: string }
  ) => Effect.Effect<SnapshotArtifact, SnapshotError, Microsandbox>
  (
    sandbox: string | { readonly name: string },
    options: CreateOptions
  ): Effect.Effect<SnapshotArtifact, SnapshotError, Microsandbox>
} = dual(
  2,
  (sandbox: string | { readonly name: string }, options: CreateOptions) =>
    Effect.flatMap(
      Microsandbox,
      (svc) =>
        internal.create(
          svc,
          typeof sandbox === "object" && sandbox !== null ? sandbox.name : sandbox,
          options
        )
    )
)

/**
 * Opens an artefact by path, or by bare name in the default snapshots directory: reads
 * its descriptor, recomputes its digest and checks the upper layer's size (not its
 * content: see `verify`). Fails with `SnapshotNotFound` or `SnapshotIntegrity`.
 *
 * @since 0.1.0
 * @category getters
 */
export const open = (pathOrName: string): Effect.Effect<SnapshotArtifact, SnapshotError, Microsandbox> =>
  Effect.flatMap(Microsandbox, (svc) => internal.open(svc, pathOrName))

/**
 * Recomputes the recorded integrity of the upper layer. Succeeds with `upper.kind`
 * `not_recorded` when none was recorded; fails with `SnapshotIntegrity` on a mismatch.
 *
 * @since 0.1.0
 * @category getters
 */
export const verify = (snapshot: Target): Effect.Effect<VerifyReport, SnapshotError, Microsandbox> =>
  Effect.flatMap(Microsandbox, (svc) => internal.verify(svc, pathOf(snapshot)))

/**
 * An indexed snapshot by name, digest (`sha256:…`) or path. Fails with `SnapshotNotFound`.
 *
 * @since 0.1.0
 * @category getters
 */
export const get = (nameOrDigest: string): Effect.Effect<SnapshotRecord, SnapshotError, Microsandbox> =>
  Effect.flatMap(Microsandbox, (svc) => internal.get(svc, nameOrDigest))

/**
 * Every indexed snapshot, newest first. Artefacts outside the index (created elsewhere,
 * or by path) appear after `reindex`; `listDir` reads a directory directly.
 *
 * @since 0.1.0
 * @category getters
 */
export const list: Effect.Effect<ReadonlyArray<SnapshotRecord>, SnapshotError, Microsandbox> = Effect
  .flatMap(
    Microsandbox,
    internal.list
  )

/**
 * The artefacts found in a directory (malformed ones are skipped; a missing directory
 * is empty). Does not touch the index.
 *
 * @since 0.1.0
 * @category getters
 */
export const listDir = (
  dir: string
): Effect.Effect<ReadonlyArray<SnapshotArtifact>, SnapshotError, Microsandbox> =>
  Effect.flatMap(Microsandbox, (svc) => internal.listDir(svc, dir))

/**
 * Options of `remove`.
 *
 * @since 0.1.0
 * @category models
 */
export interface RemoveOptions {
  /** Remove even when indexed snapshots name it as their parent. */
  readonly force?: boolean | undefined
}

/**
 * Deletes an artefact (by path, name or digest) and its index row.
 *
 * @since 0.1.0
 * @category destructors
 */
export const remove: {
  (options?: RemoveOptions): (snapshot: Target) => Effect.Effect<void, SnapshotError, Microsandbox>
  (snapshot: Target, options?: RemoveOptions): Effect.Effect<void, SnapshotError, Microsandbox>
} = dual(
  // Data-last only for `remove()` and `remove(options)` (options: undefined or a plain object that is
  // not a snapshot): any other first argument is the snapshot, refused below when it is not one.
  (args) => args.length >= 2 || isTarget(args[0]) || !isOptionsArgument(args[0]),
  (snapshot: Target, options?: RemoveOptions) =>
    Effect.flatMap(
      Microsandbox,
      (svc) =>
        internal.remove(
          svc,
          typeof snapshot === "string" ? snapshot : isRecord(snapshot) ? snapshot.digest : pathOf(snapshot),
          options?.force ?? false
        )
    )
)

/**
 * Rebuilds the index from the artefacts in `dir`; succeeds with how many were indexed.
 *
 * @since 0.1.0
 * @category utils
 */
export const reindex = (dir: string): Effect.Effect<number, SnapshotError, Microsandbox> =>
  Effect.flatMap(Microsandbox, (svc) => internal.reindex(svc, dir))

/**
 * Options of `exportArchive`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ExportOptions {
  /** Include the chain of parent snapshots. */
  readonly withParents?: boolean | undefined
  /** Include the pinned base image (it must be in the image cache). */
  readonly withImage?: boolean | undefined
  /** Write a plain tar instead of the runtime's zstd-compressed tar. */
  readonly plainTar?: boolean | undefined
}

/**
 * Writes a snapshot (by name or path) to an archive at `out`, for `importArchive`
 * elsewhere (the Go SDK's `Snapshot.Save`).
 *
 * @example
 * ```ts
 * import { Snapshot } from "effect-microsandbox"
 *
 * const program = Snapshot.exportArchive("after-build", "./after-build.tar", { plainTar: true })
 * ```
 *
 * @since 0.1.0
 * @category destructors
 */
export const exportArchive: {
  (
    out: string,
    options?: ExportOptions
  ): (snapshot: Target) => Effect.Effect<void, SnapshotError, Microsandbox>
  (
    snapshot: Target,
    out: string,
    options?: ExportOptions
  ): Effect.Effect<void, SnapshotError, Microsandbox>
} = dual(
  // The data-last form starts with the archive path: a first argument that is not a string is the snapshot.
  (args) => args.length >= 3 || typeof args[0] !== "string" || typeof args[1] === "string",
  (snapshot: Target, out: string, options?: ExportOptions) =>
    Effect.flatMap(Microsandbox, (svc) => internal.exportArchive(svc, pathOf(snapshot), out, options ?? {}))
)

/**
 * Options of `importArchive`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ImportOptions {
  /** Parent directory to unpack into (default: the runtime's snapshots directory). */
  readonly destination?: string | undefined
}

/**
 * Unpacks a snapshot archive and indexes it (the Go SDK's `Snapshot.Load`). Fails with
 * `SnapshotAlreadyExists` when the artefact's directory is taken.
 *
 * @since 0.1.0
 * @category constructors
 */
export const importArchive = (
  archive: string,
  options: ImportOptions = {}
): Effect.Effect<SnapshotRecord, SnapshotError, Microsandbox> =>
  Effect.flatMap(
    Microsandbox,
    (svc) =>
      typeof options === "object" && options !== null
        ? internal.importArchive(svc, archive, options.destination)
        : internal.invalidOptions("Snapshot.importArchive", options)
  )
