/**
 * The runtime's local image cache: what is cached, what an image contains, and moving
 * images in and out as archives (`docker save` tarballs or OCI image layouts) — no VM
 * and no registry involved.
 *
 * Load and save run as long as the archive takes to read or write; the runtime reports
 * no progress for them through its C ABI, so each carries a span (path, references,
 * format, result count) instead. Both are interruptible: interruption cancels the
 * native call and waits for it to return.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Image, Microsandbox } from "effect-microsandbox"
 *
 * const program = Effect.gen(function*() {
 *   const loaded = yield* Image.load("./app.tar", { tags: ["app:dev"] })
 *   const detail = yield* Image.inspect("app:dev")
 *   yield* Effect.log(`${loaded.length} reference(s); ${detail.layers.length} layer(s)`)
 * })
 *
 * // Run it with `Effect.runPromise(runnable)` on a host with the runtime installed.
 * const runnable = program.pipe(Effect.provide(Microsandbox.layer()))
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Schema from "effect/Schema"
import { guardOnFirstUse } from "./internal/compiled.js"
import { isOptionsArgument } from "./internal/dual.js"
import * as internal from "./internal/image.js"
import { Microsandbox } from "./Microsandbox.js"
import type { ImageError } from "./MicrosandboxError.js"

/**
 * A cached image reference and its manifest's facts (`msb_image_get`, `msb_image_list`).
 *
 * @since 0.1.0
 * @category models
 */
export const ImageInfo = internal.ImageInfo
/**
 * @since 0.1.0
 * @category models
 */
export type ImageInfo = internal.ImageInfo

/**
 * The image config (`Config` of the OCI image config): environment, command, user…
 *
 * @since 0.1.0
 * @category models
 */
export const ImageConfig = internal.ImageConfig
/**
 * @since 0.1.0
 * @category models
 */
export type ImageConfig = internal.ImageConfig

/**
 * One layer of an image, base layer first.
 *
 * @since 0.1.0
 * @category models
 */
export const ImageLayer = internal.ImageLayer
/**
 * @since 0.1.0
 * @category models
 */
export type ImageLayer = internal.ImageLayer

/**
 * The detail document of `inspect`: the reference's facts, the parsed config and the
 * layers. Its encoded form is the runtime's JSON document.
 *
 * @since 0.1.0
 * @category models
 */
export const ImageDetail = internal.ImageDetail
/**
 * @since 0.1.0
 * @category models
 */
export type ImageDetail = internal.ImageDetail

/**
 * What `prune` removed.
 *
 * @since 0.1.0
 * @category models
 */
export const PruneReport = internal.PruneReport
/**
 * @since 0.1.0
 * @category models
 */
export type PruneReport = internal.PruneReport

/**
 * `docker` (a `docker save` compatible tarball, the default) or `oci` (an OCI image
 * layout archive).
 *
 * @since 0.1.0
 * @category models
 */
export const ArchiveFormat = internal.ArchiveFormat
/**
 * @since 0.1.0
 * @category models
 */
export type ArchiveFormat = internal.ArchiveFormat

const isImageInfo = guardOnFirstUse(() => Schema.is(internal.ImageInfo))
const isFormat = guardOnFirstUse(() => Schema.is(internal.ArchiveFormat))

/**
 * A cached image by reference. Fails with `ImageNotFound` when it is not cached.
 *
 * @since 0.1.0
 * @category getters
 */
export const get = (reference: string): Effect.Effect<ImageInfo, ImageError, Microsandbox> =>
  Effect.flatMap(Microsandbox, (svc) => internal.get(svc, reference))

/**
 * Every cached image reference, newest first.
 *
 * @since 0.1.0
 * @category getters
 */
export const list: Effect.Effect<ReadonlyArray<ImageInfo>, ImageError, Microsandbox> = Effect.flatMap(
  Microsandbox,
  internal.list
)

/**
 * The detail of a cached image: its config and its layers (digests, media types, sizes).
 * Fails with `ImageNotFound` when it is not cached.
 *
 * @since 0.1.0
 * @category getters
 */
export const inspect = (
  image: string | ImageInfo
): Effect.Effect<ImageDetail, ImageError, Microsandbox> =>
  Effect.flatMap(Microsandbox, (svc) => internal.inspect(svc, internal.referenceOf(image)))

/**
 * Options of `remove`.
 *
 * @since 0.1.0
 * @category models
 */
export interface RemoveOptions {
  /** Remove even when sandboxes still use the image (default false: `ImageInUse`). */
  readonly force?: boolean | undefined
}

/**
 * Removes a cached image reference (and its layers once no other reference uses them).
 * Fails with `ImageNotFound`, or `ImageInUse` while sandboxes use it unless `force`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Image } from "effect-microsandbox"
 *
 * const program = Effect.gen(function*() {
 *   yield* Image.remove("app:dev", { force: true })
 *   yield* Effect.succeed("app:base").pipe(Effect.flatMap(Image.remove()))
 * })
 * ```
 *
 * @since 0.1.0
 * @category destructors
 */
export const remove: {
  (
    options?: RemoveOptions
  ): (image: string | ImageInfo) => Effect.Effect<void, ImageError, Microsandbox>
  (image: string | ImageInfo, options?: RemoveOptions): Effect.Effect<void, ImageError, Microsandbox>
} = dual(
  // Data-last only for `remove()` and `remove(options)` (options: undefined or a plain object that is
  // not an ImageInfo): any other first argument is the image, refused below when it is not one.
  (args) => args.length >= 2 || !isOptionsArgument(args[0]) || isImageInfo(args[0]),
  (image: string | ImageInfo, options?: RemoveOptions) =>
    Effect.flatMap(
      Microsandbox,
      (svc) => internal.remove(svc, internal.referenceOf(image), options?.force ?? false)
    )
)

/**
 * Removes every cached image no sandbox and no indexed snapshot uses, then the manifests
 * and layers nothing references any more.
 *
 * @since 0.1.0
 * @category destructors
 */
export const prune: Effect.Effect<PruneReport, ImageError, Microsandbox> = Effect.flatMap(
  Microsandbox,
  internal.prune
)

/**
 * Options of `load`.
 *
 * @since 0.1.0
 * @category models
 */
export interface LoadOptions {
  /** Extra references given to the first image of the archive. */
  readonly tags?: ReadonlyArray<string> | undefined
}

/**
 * Loads the images of an archive into the cache: a `docker save` tarball (named by its
 * `RepoTags`) or an OCI image layout (named by its `org.opencontainers.image.ref.name`
 * annotations). Succeeds with one `ImageInfo` per reference imported. A malformed archive
 * (no `manifest.json` or `oci-layout`, a missing blob, a digest mismatch, no name)
 * fails with `Internal` (the runtime's kind for image errors).
 *
 * @since 0.1.0
 * @category constructors
 */
export const load = (
  path: string,
  options: LoadOptions = {}
): Effect.Effect<ReadonlyArray<ImageInfo>, ImageError, Microsandbox> =>
  typeof options === "object" && options !== null
    ? Effect.flatMap(Microsandbox, (svc) => internal.load(svc, path, options.tags ?? []))
    : Effect.fail(internal.invalidOptions("Image.load", options))

/**
 * Options of `save`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SaveOptions {
  /** Archive layout (default `docker`). */
  readonly format?: ArchiveFormat | undefined
}

/**
 * Writes cached images to an archive at `path`. Fails with `ImageNotFound` when a
 * reference is not cached. The runtime writes the file in place: an interrupted or failed
 * save can leave a partial file at `path`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Image } from "effect-microsandbox"
 *
 * const program = Effect.gen(function*() {
 *   yield* Image.save(["app:dev", "app:base"], "./images.tar", { format: "oci" })
 *   yield* Effect.succeed("app:dev").pipe(Effect.flatMap(Image.save("./app.tar")))
 * })
 * ```
 *
 * @since 0.1.0
 * @category destructors
 */
export const save: {
  (
    path: string,
    options?: SaveOptions
  ): (images: string | ImageInfo | ReadonlyArray<string | ImageInfo>) => Effect.Effect<
    void,
    ImageError,
    Microsandbox
  >
  (
    images: string | ImageInfo | ReadonlyArray<string | ImageInfo>,
    path: string,
    options?: SaveOptions
  ): Effect.Effect<void, ImageError, Microsandbox>
} = dual(
  // The data-last form starts with the path: a first argument that is not a string is the images.
  (args) => args.length >= 3 || typeof args[0] !== "string" || typeof args[1] === "string",
  (
    images: string | ImageInfo | ReadonlyArray<string | ImageInfo>,
    path: string,
    options?: SaveOptions
  ): Effect.Effect<void, ImageError, Microsandbox> => {
    const format = options?.format ?? "docker"
    if (!isFormat(format)) {
      return Effect.fail(internal.invalidFormat(format))
    }
    const references = (Array.isArray(images) ? images : [images]).map((i: string | ImageInfo) =>
      internal.referenceOf(i)
    )
    return Effect.flatMap(Microsandbox, (svc) => internal.save(svc, references, path, format))
  }
)
