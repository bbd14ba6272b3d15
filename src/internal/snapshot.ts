/**
 * Snapshots over the runtime's snapshot exports (runtime-abi.md §5.13): the artefact,
 * index record and verify report as Schema classes decoded from the wire, and the
 * operations.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { MicrosandboxService } from "../Microsandbox.js"
import type { CreateOptions } from "../Snapshot.js"
import { onFirstUse } from "./compiled.js"
import { checkText, UnixSeconds, wire } from "./decode.js"
import * as Errors from "./errorModel.js"
import type { SnapshotError } from "./errorModel.js"
import { narrow } from "./errors.js"
import { attributeOf, invalidArgument, show, stringProblem } from "./validate.js"
import * as W from "./wireCodec.js"

/** The options document of `msb_snapshot_create` (flags written only when set). */
const CreateOptionsJson = Schema.parseJson(Schema.Struct({
  name: Schema.String,
  destination: W.optionalKey("dest_dir", Schema.String),
  labels: W.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  force: W.flagKey("force"),
  recordIntegrity: W.flagKey("record_integrity"),
  resumable: W.flagKey("resumable")
}))
const encodeCreateOptions = onFirstUse(() => Schema.encodeUnknownEither(CreateOptionsJson))

/** A flag the export document always carries (`false` when unset). */
const exportFlag = <const K extends string>(key: K) =>
  Schema.requiredToOptional(Schema.Boolean, Schema.UndefinedOr(Schema.Boolean), {
    decode: Option.some,
    encode: (b) => Option.getOrUndefined(b) ?? false
  }).pipe(Schema.fromKey(key))
/** The options document of `msb_snapshot_export`. */
const ExportOptionsJson = Schema.parseJson(Schema.Struct({
  withParents: exportFlag("with_parents"),
  withImage: exportFlag("with_image"),
  plainTar: exportFlag("plain_tar")
}))
const encodeExportOptions = onFirstUse(() => Schema.encodeUnknownEither(ExportOptionsJson))

// ------------------------------------------------------------------ documents

const NullableString = Schema.OptionFromNullOr(Schema.String)
const NullableNumber = Schema.OptionFromNullOr(Schema.Number)
export const SnapshotScope = Schema.Literal("disk", "resumable")
export type SnapshotScope = typeof SnapshotScope.Type

export class SnapshotArtifact extends Schema.Class<SnapshotArtifact>("SnapshotArtifact")({
  /** The artefact directory. */
  path: Schema.String,
  /** The canonical digest of the artefact's descriptor: the snapshot's identity. */
  digest: Schema.String,
  /** Apparent size of the captured upper layer (file state). */
  sizeBytes: wire(NullableNumber, "size_bytes"),
  /** The base image the snapshot pins. */
  imageRef: wire(Schema.String, "image_ref"),
  imageManifestDigest: wire(Schema.String, "image_manifest_digest"),
  scope: SnapshotScope,
  /** `file` or `checkpoint`. */
  stateKind: wire(Schema.String, "state_kind"),
  /** `raw` or `qcow2` (file state). */
  format: NullableString,
  fstype: NullableString,
  upperFile: wire(NullableString, "upper_file"),
  /** `sha256`, `msb-sparse-sha256-v1` or `msb-file-merkle-blake3-v1`, when recorded. */
  upperIntegrityAlgorithm: wire(NullableString, "upper_integrity_algorithm"),
  upperIntegrityDigest: wire(NullableString, "upper_integrity_digest"),
  upperIntegrityRoot: wire(NullableString, "upper_integrity_root"),
  upperIntegrityLogicalSize: wire(NullableNumber, "upper_integrity_logical_size"),
  upperIntegrityLeafSize: wire(NullableNumber, "upper_integrity_leaf_size"),
  checkpointId: wire(NullableString, "checkpoint_id"),
  checkpointManifestDigest: wire(NullableString, "checkpoint_manifest_digest"),
  /** The parent snapshot's digest. */
  parent: NullableString,
  /** From the descriptor's RFC 3339 `created_at`. */
  createdAt: wire(Schema.Date, "created_at"),
  labels: Schema.Record({ key: Schema.String, value: Schema.String }),
  /** The sandbox it was taken from (informational). */
  sourceSandbox: wire(NullableString, "source_sandbox")
}) {}

export class SnapshotRecord extends Schema.Class<SnapshotRecord>("SnapshotRecord")({
  digest: Schema.String,
  /** The artefact directory's name, for artefacts addressed by name. */
  name: NullableString,
  parentDigest: wire(NullableString, "parent_digest"),
  imageRef: wire(Schema.String, "image_ref"),
  scope: SnapshotScope,
  stateKind: wire(Schema.String, "state_kind"),
  format: NullableString,
  fstype: NullableString,
  checkpointManifestDigest: wire(NullableString, "checkpoint_manifest_digest"),
  sizeBytes: wire(NullableNumber, "size_bytes"),
  /** `embedded` for local artefacts. */
  locality: Schema.String,
  /** `ready` when the artefact can be used. */
  availability: Schema.String,
  migrationState: wire(Schema.String, "migration_state"),
  migrationErrorCode: wire(NullableString, "migration_error_code"),
  createdAt: wire(UnixSeconds, "created_at_unix"),
  /** The artefact directory. */
  path: Schema.String
}) {}

export const UpperNotRecorded = Schema.Struct({ kind: Schema.Literal("not_recorded") })
export const UpperVerified = Schema.Struct({
  kind: Schema.Literal("verified"),
  algorithm: Schema.String,
  digest: Schema.String
})

export class VerifyReport extends Schema.Class<VerifyReport>("VerifyReport")({
  digest: Schema.String,
  path: Schema.String,
  /** Whether the upper layer's integrity was recorded and, when it was, the digest it verified. */
  upper: Schema.Union(UpperNotRecorded, UpperVerified)
}) {}

const SnapshotArtifacts = Schema.Array(SnapshotArtifact)
const SnapshotRecords = Schema.Array(SnapshotRecord)
const OkJson = Schema.Struct({ ok: Schema.Literal(true) })
const IndexedJson = Schema.Struct({ indexed: Schema.Number })

// ------------------------------------------------------------------ validation

/** The runtime's rule: a bare identifier (the artefact directory's name). */
export const checkSnapshotName = (
  name: unknown,
  operation: string
): Effect.Effect<void, Errors.InvalidConfig> => {
  const problem = typeof name !== "string"
    ? `snapshot name must be a string, got ${show(name)}`
    : name.length === 0
    ? "snapshot name must not be empty"
    : name.includes("\u0000")
    ? "snapshot name must not contain a NUL byte"
    : stringProblem(name) !== undefined
    ? `snapshot name ${stringProblem(name)}`
    : /[/\\:]/.test(name) || name.startsWith(".") || name.startsWith("~")
    ? `snapshot name must be a bare identifier, not a path: '${name}' (use destination to choose a parent directory)`
    : undefined
  return problem === undefined
    ? Effect.void
    : Effect.fail(
      new Errors.InvalidConfig({ message: `invalid config: ${problem}`, operation, field: "name" })
    )
}

const checkSource = (source: unknown, operation: string): Effect.Effect<void, Errors.InvalidConfig> =>
  typeof source !== "string" || source.length === 0 || stringProblem(source) !== undefined
    ? Effect.fail(
      new Errors.InvalidConfig({
        message: "invalid config: snapshot create requires a source sandbox",
        operation,
        field: "from"
      })
    )
    : Effect.void

const checkLabels = (labels: unknown, operation: string) =>
  typeof labels !== "object" || labels === null || Array.isArray(labels)
    ? Effect.fail(
      new Errors.InvalidConfig({
        message: `invalid config: labels must be a record of strings, got ${show(labels)}`,
        operation,
        field: "labels"
      })
    )
    : Effect.forEach(
      Object.entries(labels),
      ([k, v]) =>
        typeof v !== "string" || stringProblem(k) !== undefined || stringProblem(v) !== undefined
          ? Effect.fail(
            new Errors.InvalidConfig({
              message: `invalid config: label ${
                show(k)
              } must be a string without NUL bytes or lone surrogates`,
              operation,
              field: "labels"
            })
          )
          : Effect.void,
      { discard: true }
    )

// ------------------------------------------------------------------ operations

export const create = (
  svc: MicrosandboxService,
  source: string,
  options: CreateOptions,
  operation = "Snapshot.create"
): Effect.Effect<SnapshotArtifact, SnapshotError> =>
  typeof options === "object" && options !== null
    ? createWith(svc, source, options, operation)
    : Effect.fail(
      new Errors.InvalidConfig({
        message: `invalid config: snapshot options must be an object, got ${show(options)}`,
        operation,
        field: "options"
      })
    )

const createWith = (
  svc: MicrosandboxService,
  source: string,
  options: CreateOptions,
  operation: string
): Effect.Effect<SnapshotArtifact, SnapshotError> => {
  return checkSource(source, operation).pipe(
    Effect.zipRight(checkSnapshotName(options.name, operation)),
    Effect.zipRight(
      options.destination === undefined
        ? Effect.void
        : checkText(options.destination, "destination", operation)
    ),
    Effect.zipRight(checkLabels(options.labels ?? {}, operation)),
    Effect.zipRight(
      Effect.suspend(() =>
        Either.match(encodeCreateOptions(options), {
          onLeft: () =>
            Effect.fail(
              new Errors.InvalidConfig({
                message:
                  `invalid config: snapshot options: force, recordIntegrity and resumable must be booleans`,
                operation,
                field: "options"
              })
            ),
          onRight: (document) =>
            svc.native.callDecode("msb_snapshot_create", [source, document], SnapshotArtifact, {
              operation,
              sandbox: source
            })
        })
      )
    ),
    narrow.snapshot.effect,
    Effect.tap((a) =>
      Effect.annotateCurrentSpan({ "msb.snapshot.digest": a.digest, "msb.snapshot.path": a.path })
    ),
    Effect.withSpan(operation, {
      attributes: { "msb.sandbox": attributeOf(source), "msb.snapshot.name": attributeOf(options.name) }
    })
  )
}

/** `SandboxHandle.snapshot`: the runtime's by-name snapshot into the default directory. */
export const ofSandbox = (
  svc: MicrosandboxService,
  sandbox: string,
  name: string
): Effect.Effect<SnapshotArtifact, SnapshotError> =>
  checkSnapshotName(name, "SandboxHandle.snapshot").pipe(
    Effect.zipRight(
      svc.native.callDecode("msb_sandbox_handle_snapshot", [sandbox, name], SnapshotArtifact, {
        operation: "SandboxHandle.snapshot",
        sandbox
      })
    ),
    narrow.snapshot.effect,
    Effect.withSpan("SandboxHandle.snapshot", {
      attributes: { "msb.sandbox": sandbox, "msb.snapshot.name": attributeOf(name) }
    })
  )

/** Splits an artefact path into its parent directory and its name. */
export const splitPath = (path: string): { readonly destination: string; readonly name: string } => {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path
  const slash = trimmed.lastIndexOf("/")
  return slash < 0
    ? { destination: ".", name: trimmed }
    : { destination: slash === 0 ? "/" : trimmed.slice(0, slash), name: trimmed.slice(slash + 1) }
}

export const ofSandboxTo = (
  svc: MicrosandboxService,
  sandbox: string,
  path: string
): Effect.Effect<SnapshotArtifact, SnapshotError> =>
  checkText(path, "path", "SandboxHandle.snapshotTo").pipe(
    Effect.zipRight(Effect.suspend(() => create(svc, sandbox, splitPath(path), "SandboxHandle.snapshotTo")))
  )

const byText = <A, I>(
  svc: MicrosandboxService,
  operation: string,
  fn: Parameters<MicrosandboxService["native"]["call"]>[0],
  argument: string,
  value: string,
  schema: Schema.Schema<A, I>,
  extra: ReadonlyArray<boolean> = []
): Effect.Effect<A, SnapshotError> =>
  checkText(value, argument, operation).pipe(
    Effect.zipRight(svc.native.callDecode(fn, [value, ...extra], schema, { operation })),
    narrow.snapshot.effect,
    Effect.withSpan(operation, { attributes: { "msb.snapshot.target": attributeOf(value) } })
  )

export const open = (svc: MicrosandboxService, pathOrName: string) =>
  byText(svc, "Snapshot.open", "msb_snapshot_open", "pathOrName", pathOrName, SnapshotArtifact)

export const verify = (svc: MicrosandboxService, pathOrName: string) =>
  byText(svc, "Snapshot.verify", "msb_snapshot_verify", "snapshot", pathOrName, VerifyReport)

export const get = (svc: MicrosandboxService, nameOrDigest: string) =>
  byText(svc, "Snapshot.get", "msb_snapshot_get", "nameOrDigest", nameOrDigest, SnapshotRecord)

/** Options that are not an object. */
export const invalidOptions = (
  operation: string,
  options: unknown
): Effect.Effect<never, Errors.InvalidArgument> =>
  Effect.fail(invalidArgument({ operation }, "options", `options must be an object, got ${show(options)}`))

export const list = (
  svc: MicrosandboxService
): Effect.Effect<ReadonlyArray<SnapshotRecord>, SnapshotError> =>
  svc.native.callDecode("msb_snapshot_list", [], SnapshotRecords, { operation: "Snapshot.list" }).pipe(
    narrow.snapshot.effect,
    Effect.withSpan("Snapshot.list")
  )

export const listDir = (svc: MicrosandboxService, dir: string) =>
  byText(svc, "Snapshot.listDir", "msb_snapshot_list_dir", "dir", dir, SnapshotArtifacts)

export const remove = (svc: MicrosandboxService, target: string, force: boolean) =>
  typeof force === "boolean"
    ? byText(svc, "Snapshot.remove", "msb_snapshot_remove", "snapshot", target, OkJson, [force]).pipe(
      Effect.asVoid
    )
    : Effect.fail(
      invalidArgument(
        { operation: "Snapshot.remove" },
        "force",
        `force must be a boolean, got ${show(force)}`
      )
    )

export const reindex = (svc: MicrosandboxService, dir: string) =>
  byText(svc, "Snapshot.reindex", "msb_snapshot_reindex", "dir", dir, IndexedJson).pipe(
    Effect.map((r) => r.indexed)
  )

export interface ExportOptions {
  readonly withParents?: boolean | undefined
  readonly withImage?: boolean | undefined
  readonly plainTar?: boolean | undefined
}

export const exportArchive = (
  svc: MicrosandboxService,
  source: string,
  out: string,
  options: ExportOptions
): Effect.Effect<void, SnapshotError> =>
  checkText(source, "snapshot", "Snapshot.exportArchive").pipe(
    Effect.zipRight(checkText(out, "out", "Snapshot.exportArchive")),
    Effect.zipRight(Effect.suspend(() =>
      Either.match(encodeExportOptions(options), {
        onLeft: () =>
          Effect.fail(
            invalidArgument(
              { operation: "Snapshot.exportArchive" },
              "options",
              `options must be an object of boolean flags, got ${show(options)}`
            )
          ),
        onRight: Effect.succeed
      })
    )),
    Effect.flatMap((document) =>
      svc.native.callDecode("msb_snapshot_export", [source, out, document], OkJson, {
        operation: "Snapshot.exportArchive"
      })
    ),
    Effect.asVoid,
    narrow.snapshot.effect,
    Effect.withSpan("Snapshot.exportArchive", {
      attributes: {
        "msb.snapshot.target": attributeOf(source),
        "msb.snapshot.archive": attributeOf(out),
        "msb.snapshot.with_parents": options?.withParents ?? false,
        "msb.snapshot.with_image": options?.withImage ?? false,
        "msb.snapshot.plain_tar": options?.plainTar ?? false
      }
    })
  )

export const importArchive = (
  svc: MicrosandboxService,
  archive: string,
  destination: string | undefined
): Effect.Effect<SnapshotRecord, SnapshotError> =>
  checkText(archive, "archive", "Snapshot.importArchive").pipe(
    Effect.zipRight(
      destination === undefined
        ? Effect.void
        : checkText(destination, "destination", "Snapshot.importArchive")
    ),
    Effect.zipRight(
      svc.native.callDecode("msb_snapshot_import", [archive, destination ?? ""], SnapshotRecord, {
        operation: "Snapshot.importArchive"
      })
    ),
    narrow.snapshot.effect,
    Effect.tap((r) =>
      Effect.annotateCurrentSpan({ "msb.snapshot.digest": r.digest, "msb.snapshot.path": r.path })
    ),
    Effect.withSpan("Snapshot.importArchive", {
      attributes: { "msb.snapshot.archive": attributeOf(archive) }
    })
  )
