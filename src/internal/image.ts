/**
 * The local image cache over the runtime's image exports (runtime-abi.md §5.12): the
 * documents as Schema classes (decoded straight from the wire, snake_case renamed), and
 * the operations.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { MicrosandboxService } from "../Microsandbox.js"
import { guardOnFirstUse } from "./compiled.js"
import { checkText, UnixSeconds, wire } from "./decode.js"
import type * as Errors from "./errorModel.js"
import type { ImageError } from "./errorModel.js"
import { narrow } from "./errors.js"
import { attributeOf, invalidArgument, referenceProblem, show } from "./validate.js"

// ------------------------------------------------------------------ documents

const NullableString = Schema.OptionFromNullOr(Schema.String)
const NullableNumber = Schema.OptionFromNullOr(Schema.Number)

const imageInfoFields = {
  /** The reference the image is cached under, as loaded or pulled (e.g. `app:1.0`). */
  reference: Schema.String,
  /** Content digest of the image manifest (`sha256:…`). */
  manifestDigest: wire(NullableString, "manifest_digest"),
  architecture: NullableString,
  os: NullableString,
  layerCount: wire(Schema.Number, "layer_count"),
  /** Total size of the image's layers, bytes. */
  sizeBytes: wire(NullableNumber, "size_bytes"),
  /** When the reference entered the cache. */
  createdAt: wire(Schema.OptionFromNullOr(UnixSeconds), "created_at_unix"),
  /** When the reference was last loaded, pulled or used. */
  lastUsedAt: wire(Schema.OptionFromNullOr(UnixSeconds), "last_used_at_unix")
}

export class ImageInfo extends Schema.Class<ImageInfo>("ImageInfo")(imageInfoFields) {}

export class ImageConfig extends Schema.Class<ImageConfig>("ImageConfig")({
  /** Digest of the config blob. */
  digest: Schema.String,
  env: Schema.Array(Schema.String),
  cmd: Schema.OptionFromNullOr(Schema.Array(Schema.String)),
  entrypoint: Schema.OptionFromNullOr(Schema.Array(Schema.String)),
  workingDir: wire(NullableString, "working_dir"),
  user: NullableString,
  labels: Schema.OptionFromNullOr(Schema.Record({ key: Schema.String, value: Schema.String })),
  stopSignal: wire(NullableString, "stop_signal")
}) {}

export class ImageLayer extends Schema.Class<ImageLayer>("ImageLayer")({
  /** Digest of the uncompressed layer tar. */
  diffId: wire(Schema.String, "diff_id"),
  /** Digest of the layer blob as stored (compressed or not). */
  blobDigest: wire(Schema.String, "blob_digest"),
  mediaType: wire(NullableString, "media_type"),
  compressedSizeBytes: wire(NullableNumber, "compressed_size_bytes"),
  /** Size of the layer once materialised for the VM (EROFS). */
  erofsSizeBytes: wire(NullableNumber, "erofs_size_bytes"),
  /** 0 for the base layer. */
  position: Schema.Number
}) {}

export class ImageDetail extends Schema.Class<ImageDetail>("ImageDetail")({
  ...imageInfoFields,
  config: Schema.OptionFromNullOr(ImageConfig),
  layers: Schema.Array(ImageLayer)
}) {}

export class PruneReport extends Schema.Class<PruneReport>("PruneReport")({
  imageRefsRemoved: wire(Schema.Number, "image_refs_removed"),
  manifestsRemoved: wire(Schema.Number, "manifests_removed"),
  layersRemoved: wire(Schema.Number, "layers_removed"),
  fsmetaRemoved: wire(Schema.Number, "fsmeta_removed"),
  vmdkRemoved: wire(Schema.Number, "vmdk_removed"),
  /** Bytes freed on disk, when the runtime could measure them. */
  bytesReclaimed: wire(NullableNumber, "bytes_reclaimed")
}) {}

export const ArchiveFormat = Schema.Literal("docker", "oci")
export type ArchiveFormat = typeof ArchiveFormat.Type

const ImageInfos = Schema.Array(ImageInfo)
const OkJson = Schema.Struct({ ok: Schema.Literal(true) })

// ------------------------------------------------------------------ operations

const isImageInfo = guardOnFirstUse(() => Schema.is(ImageInfo))

/** The reference of an image given by reference or by value (anything else is left for the check to refuse). */
export const referenceOf = (image: string | ImageInfo): string =>
  typeof image === "string" ? image : isImageInfo(image) ? image.reference : image

/** A reference the runtime parses (a tag given to `load`, a reference to `save`). */
const checkReference = (value: unknown, argument: string, operation: string) =>
  Effect.flatMap(checkText(value, argument, operation), () => {
    const problem = referenceProblem(value as string)
    return problem === undefined
      ? Effect.void
      : Effect.fail(invalidArgument({ operation }, argument, `${argument}: ${problem}`))
  })

/** A list of `what`: an array whose every member passes `check`. */
const checkEach = (
  value: unknown,
  argument: string,
  operation: string,
  check: (v: unknown, argument: string, operation: string) => Effect.Effect<void, Errors.InvalidArgument>
) =>
  Array.isArray(value)
    ? Effect.forEach(value, (v, i) => check(v, `${argument}[${i}]`, operation), { discard: true })
    : Effect.fail(
      invalidArgument({ operation }, argument, `${argument} must be an array, got ${show(value)}`)
    )

/** `format` of `save`, when it is neither `docker` nor `oci`. */
export const invalidFormat = (format: unknown): Errors.InvalidArgument =>
  invalidArgument(
    { operation: "Image.save" },
    "format",
    `invalid archive format ${show(format)}: expected 'docker' or 'oci'`
  )

/** Options that are not an object. */
export const invalidOptions = (operation: string, options: unknown): Errors.InvalidArgument =>
  invalidArgument({ operation }, "options", `options must be an object, got ${show(options)}`)

const span = attributeOf

/** One image by reference, through `export` (get and inspect differ only in what they answer). */
const byReference = <A, I>(
  svc: MicrosandboxService,
  operation: string,
  name: "msb_image_get" | "msb_image_inspect",
  argument: string,
  schema: Schema.Schema<A, I>,
  reference: string
): Effect.Effect<A, ImageError> =>
  checkText(reference, argument, operation).pipe(
    Effect.zipRight(svc.native.callDecode(name, [reference], schema, { operation })),
    narrow.image.effect,
    Effect.withSpan(operation, { attributes: { "msb.image.reference": span(reference) } })
  )

export const get = (svc: MicrosandboxService, reference: string): Effect.Effect<ImageInfo, ImageError> =>
  byReference(svc, "Image.get", "msb_image_get", "reference", ImageInfo, reference)

export const list = (svc: MicrosandboxService): Effect.Effect<ReadonlyArray<ImageInfo>, ImageError> =>
  svc.native.callDecode("msb_image_list", [], ImageInfos, { operation: "Image.list" }).pipe(
    Effect.tap((images) => Effect.annotateCurrentSpan("msb.image.count", images.length)),
    narrow.image.effect,
    Effect.withSpan("Image.list")
  )

export const inspect = (
  svc: MicrosandboxService,
  reference: string
): Effect.Effect<ImageDetail, ImageError> =>
  byReference(svc, "Image.inspect", "msb_image_inspect", "image", ImageDetail, reference)

export const remove = (
  svc: MicrosandboxService,
  reference: string,
  force: boolean
): Effect.Effect<void, ImageError> =>
  checkText(reference, "image", "Image.remove").pipe(
    Effect.zipRight(
      typeof force === "boolean"
        ? Effect.void
        : Effect.fail(
          invalidArgument(
            { operation: "Image.remove" },
            "force",
            `force must be a boolean, got ${show(force)}`
          )
        )
    ),
    Effect.zipRight(
      svc.native.callDecode("msb_image_remove", [reference, force], OkJson, { operation: "Image.remove" })
    ),
    Effect.asVoid,
    narrow.image.effect,
    Effect.withSpan("Image.remove", {
      attributes: { "msb.image.reference": span(reference), "msb.image.force": span(force) }
    })
  )

export const prune = (svc: MicrosandboxService): Effect.Effect<PruneReport, ImageError> =>
  svc.native.callDecode("msb_image_prune", [], PruneReport, { operation: "Image.prune" }).pipe(
    Effect.tap((r) =>
      Effect.annotateCurrentSpan({
        "msb.image.refs_removed": r.imageRefsRemoved,
        "msb.image.layers_removed": r.layersRemoved
      })
    ),
    narrow.image.effect,
    Effect.withSpan("Image.prune")
  )

export const load = (
  svc: MicrosandboxService,
  path: string,
  tags: ReadonlyArray<string>
): Effect.Effect<ReadonlyArray<ImageInfo>, ImageError> =>
  checkText(path, "path", "Image.load").pipe(
    Effect.zipRight(checkEach(tags, "tags", "Image.load", checkReference)),
    Effect.zipRight(
      Effect.suspend(() =>
        svc.native.callDecode("msb_image_load", [path, JSON.stringify(tags)], ImageInfos, {
          operation: "Image.load"
        })
      )
    ),
    Effect.tap((images) =>
      Effect.annotateCurrentSpan({
        "msb.image.count": images.length,
        "msb.image.references": images.map((i) => i.reference).join(",")
      })
    ),
    narrow.image.effect,
    Effect.withSpan("Image.load", {
      attributes: { "msb.image.path": span(path), "msb.image.tags": span(tags) }
    })
  )

export const save = (
  svc: MicrosandboxService,
  references: ReadonlyArray<string>,
  path: string,
  format: ArchiveFormat
): Effect.Effect<void, ImageError> =>
  Effect.suspend(() =>
    references.length === 0
      ? Effect.fail(
        invalidArgument({ operation: "Image.save" }, "images", "at least one image reference is required")
      )
      : checkEach(references, "images", "Image.save", checkReference)
  ).pipe(
    Effect.zipRight(checkText(path, "path", "Image.save")),
    Effect.zipRight(
      Effect.suspend(() =>
        svc.native.callDecode("msb_image_save", [JSON.stringify(references), path, format], OkJson, {
          operation: "Image.save"
        })
      )
    ),
    Effect.asVoid,
    narrow.image.effect,
    Effect.withSpan("Image.save", {
      attributes: {
        "msb.image.references": span(references),
        "msb.image.path": span(path),
        "msb.image.format": format
      }
    })
  )
