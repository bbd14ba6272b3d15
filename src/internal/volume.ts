/**
 * Named volumes over the runtime's volume exports (runtime-abi.md §5.11), and the guard
 * that keeps every file operation inside its volume.
 *
 * File operations go through `msb_volume_fs_op`. Before the call, the path is checked
 * here: it must be relative, free of NUL bytes and `..` components, and — for a local
 * volume, whose contents are a host directory — every symbolic link met while walking
 * it on the host must resolve inside the volume (a dangling link included: the runtime's
 * own check follows only links whose target exists, so a dangling link pointing out
 * would let a write escape).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import { pipeArguments } from "effect/Pipeable"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import { promises as fsp } from "node:fs"
import * as nodePath from "node:path"
import type { MicrosandboxService } from "../Microsandbox.js"
import type {
  CreateError,
  DefaultError,
  FsError,
  GetError,
  ListError,
  MakeOptions,
  RemoveError,
  Volume,
  VolumeFs
} from "../Volume.js"
import { onFirstUse } from "./compiled.js"
import * as Errors from "./errorModel.js"
import { narrowTo } from "./errors.js"
import type { NativeArg } from "./ffi/invoker.js"
import { Microsandbox } from "./service.js"
import {
  attributeOf,
  checkString,
  contentsProblem,
  invalidArgument,
  show,
  stringProblem
} from "./validate.js"
import * as W from "./wireCodec.js"

export const TypeId: unique symbol = Symbol.for("effect-microsandbox/Volume")
export type TypeId = typeof TypeId

// ------------------------------------------------------------------ models (re-exported by Volume.ts)

export const VolumeKind = Schema.Literal("dir", "disk")
export type VolumeKind = typeof VolumeKind.Type

const DateFromUnixSeconds = Schema.transform(Schema.Number, Schema.DateFromSelf, {
  strict: true,
  decode: (s) => new Date(s * 1000),
  encode: (d) => Math.floor(d.getTime() / 1000)
})
const PathOrEmpty = Schema.transform(Schema.String, Schema.OptionFromSelf(Schema.String), {
  strict: true,
  decode: (s) => (s === "" ? Option.none() : Option.some(s)),
  encode: (o) => Option.getOrElse(o, () => "")
})

/**
 * A volume's record as the runtime reports it (§5.0 `Volume`).
 *
 * @since 0.1.0
 * @category models
 */
export class VolumeInfo extends Schema.Class<VolumeInfo>("effect-microsandbox/VolumeInfo")({
  /** The cloud volume's id (none for local volumes). */
  id: Schema.OptionFromNullOr(Schema.String),
  name: Schema.String,
  /** Whether this is the cloud account's default volume. */
  isDefault: Schema.propertySignature(Schema.Boolean).pipe(Schema.fromKey("is_default")),
  /** The host directory of a local volume (none for cloud volumes). */
  path: PathOrEmpty,
  kind: VolumeKind,
  /** Write quota of a directory volume (none: unlimited). */
  quotaMib: Schema.propertySignature(Schema.OptionFromNullOr(Schema.Number)).pipe(
    Schema.fromKey("quota_mib")
  ),
  usedBytes: Schema.propertySignature(Schema.Number).pipe(Schema.fromKey("used_bytes")),
  /** Capacity of a disk volume. */
  capacityBytes: Schema.propertySignature(Schema.OptionFromNullOr(Schema.Number)).pipe(
    Schema.fromKey("capacity_bytes")
  ),
  diskFormat: Schema.propertySignature(Schema.OptionFromNullOr(Schema.String)).pipe(
    Schema.fromKey("disk_format")
  ),
  diskFstype: Schema.propertySignature(Schema.OptionFromNullOr(Schema.String)).pipe(
    Schema.fromKey("disk_fstype")
  ),
  labels: Schema.Record({ key: Schema.String, value: Schema.String }),
  createdAt: Schema.propertySignature(Schema.OptionFromNullOr(DateFromUnixSeconds)).pipe(
    Schema.fromKey("created_at_unix")
  )
}) {}

const mib = Schema.Int.pipe(Schema.between(1, 4294967295))

/**
 * Options of `create` / `make`: `kind` (default `dir`); `quotaMib` limits a directory
 * volume; `sizeMib` is required for (and only allowed on) a disk volume.
 *
 * @since 0.1.0
 * @category models
 */
export const CreateOptions = Schema.Struct({
  kind: Schema.optional(VolumeKind),
  quotaMib: Schema.optional(mib),
  sizeMib: Schema.optional(mib),
  labels: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }))
})
export interface CreateOptions extends Schema.Schema.Type<typeof CreateOptions> {}

// The documents received (decoded by `native.callDecode`).
const VolumeInfos = Schema.Array(VolumeInfo)
const OkJson = Schema.Struct({ ok: Schema.Literal(true) })
const DataJson = Schema.pluck(Schema.Struct({ data_b64: W.BytesFromBase64 }), "data_b64")
const ExistsJson = Schema.Struct({ exists: Schema.Boolean })
const decodeOptions = onFirstUse(() =>
  Schema.decodeUnknownEither(CreateOptions, { onExcessProperty: "error" })
)
/** The options document of `msb_volume_create`. */
const CreateOptionsJson = Schema.parseJson(Schema.Struct({
  kind: Schema.String,
  quotaMib: W.optionalKey("quota_mib", Schema.Number),
  sizeMib: W.optionalKey("size_mib", Schema.Number),
  labels: W.optional(Schema.Record({ key: Schema.String, value: Schema.String }))
}))
const encodeCreateOptions = onFirstUse(() => Schema.encodeSync(CreateOptionsJson))

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

// ------------------------------------------------------------------ errors

// Each operation keeps the kinds it declares; any other becomes `Internal`, carrying the
// original as its cause (see internal/errors.ts).
const narrowCreate = narrowTo(
  Schema.Union(Errors.CallError, Errors.InvalidConfig, Errors.VolumeAlreadyExists)
)
const narrowGet = narrowTo(Schema.Union(Errors.CallError, Errors.VolumeNotFound))
const narrowList = narrowTo(Errors.CallError)
const narrowRemove = narrowTo(Schema.Union(Errors.CallError, Errors.VolumeNotFound, Errors.InvalidConfig))
const narrowFs = narrowTo(Errors.VolumeFsError)

const invalidName = (name: unknown, operation: string): Errors.InvalidConfig | undefined =>
  typeof name === "string" && NAME.test(name)
    ? undefined
    : new Errors.InvalidConfig({
      message: typeof name === "string" && name.length === 0
        ? "volume name must not be empty"
        : `volume name must start with an alphanumeric character and contain only alphanumeric characters, dots, hyphens, and underscores: ${
          String(name)
        }`,
      operation,
      field: "name"
    })

// ------------------------------------------------------------------ the volume object

class VolumeImpl implements Volume {
  readonly [TypeId]: TypeId = TypeId
  readonly fs: VolumeFs
  constructor(readonly service: MicrosandboxService, readonly info: VolumeInfo) {
    this.fs = makeFs(this)
  }
  get name() {
    return this.info.name
  }
  get refresh() {
    return get(this.service, this.info.name, "Volume.refresh")
  }
  get remove() {
    return remove(this.service, this.info.name)
  }
  pipe() {
    // eslint-disable-next-line prefer-rest-params
    return pipeArguments(this, arguments)
  }
  toJSON() {
    return { _id: "Volume", name: this.info.name, kind: this.info.kind, path: this.info.path }
  }
}

export const isVolume = (u: unknown): u is Volume => typeof u === "object" && u !== null && TypeId in u

// ------------------------------------------------------------------ lifecycle

const encodeCreate = (
  name: string,
  options: CreateOptions,
  operation: string
): Either.Either<string, Errors.InvalidConfig> => {
  const bad = invalidName(name, operation)
  if (bad) return Either.left(bad)
  const decoded = decodeOptions(options)
  if (Either.isLeft(decoded)) {
    const issue = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)[0]
    return Either.left(
      new Errors.InvalidConfig({
        message: `invalid volume options: ${ParseResult.TreeFormatter.formatErrorSync(decoded.left)}`,
        operation,
        field: issue?.path.join(".") || "options"
      })
    )
  }
  const o = decoded.right
  const kind = o.kind ?? "dir"
  const invalid = (field: string, message: string) =>
    Either.left(new Errors.InvalidConfig({ message, operation, field }))
  if (kind === "dir" && o.sizeMib !== undefined) {
    return invalid("sizeMib", "directory named volumes do not support a size (sizeMib is for disk volumes)")
  }
  if (kind === "disk" && o.sizeMib === undefined) {
    return invalid("sizeMib", "disk named volumes require sizeMib")
  }
  if (kind === "disk" && o.quotaMib !== undefined) {
    return invalid("quotaMib", "disk named volumes do not support a quota (their size is the limit)")
  }
  return Either.right(encodeCreateOptions({ ...o, kind }))
}

export const create = (
  svc: MicrosandboxService,
  name: string,
  options: CreateOptions = {}
): Effect.Effect<Volume, CreateError> =>
  Effect.suspend(() => {
    const ctx = { operation: "Volume.create", volume: name }
    const opts = encodeCreate(name, options, ctx.operation)
    if (Either.isLeft(opts)) return Effect.fail(opts.left)
    return svc.native.callDecode("msb_volume_create", [name, opts.right], VolumeInfo, {
      operation: ctx.operation,
      // Interrupted after the runtime created it anyway: the caller never learns of it.
      onOrphan: () => svc.native.call("msb_volume_remove", [name], { operation: ctx.operation })
    }).pipe(
      Effect.map((info): Volume => new VolumeImpl(svc, info)),
      narrowCreate.effect
    )
  }).pipe(
    Effect.withSpan("Volume.create", {
      attributes: {
        "msb.volume": attributeOf(name),
        "msb.volume.kind": typeof options === "object" && options !== null
          ? attributeOf(options.kind ?? "dir")
          : attributeOf(options)
      }
    })
  )

/** A volume name given to a by-name call: a non-empty string that can cross into C. */
const checkName = (name: unknown, operation: string): Effect.Effect<void, Errors.InvalidArgument> =>
  Effect.flatMap(
    checkString({ operation }, "name", name),
    () =>
      name === ""
        ? Effect.fail(invalidArgument({ operation }, "name", "name must not be empty"))
        : Effect.void
  )

export const get = (
  svc: MicrosandboxService,
  name: string,
  operation = "Volume.get"
): Effect.Effect<Volume, GetError> =>
  checkName(name, operation).pipe(
    Effect.zipRight(svc.native.callDecode("msb_volume_get", [name], VolumeInfo, { operation })),
    Effect.map((info): Volume => new VolumeImpl(svc, info)),
    narrowGet.effect,
    Effect.withSpan(operation, { attributes: { "msb.volume": attributeOf(name) } })
  )

export const getDefault = (svc: MicrosandboxService): Effect.Effect<Volume, DefaultError> =>
  svc.native.callDecode("msb_volume_get_default", [], VolumeInfo, { operation: "Volume.getDefault" })
    .pipe(
      Effect.map((info): Volume => new VolumeImpl(svc, info)),
      narrowGet.effect,
      Effect.withSpan("Volume.getDefault")
    )

export const list = (svc: MicrosandboxService): Effect.Effect<ReadonlyArray<Volume>, ListError> =>
  svc.native.callDecode("msb_volume_list", [], VolumeInfos, { operation: "Volume.list" }).pipe(
    Effect.map((infos) => infos.map((info): Volume => new VolumeImpl(svc, info))),
    narrowList.effect,
    Effect.withSpan("Volume.list")
  )

export const remove = (svc: MicrosandboxService, name: string): Effect.Effect<void, RemoveError> =>
  checkName(name, "Volume.remove").pipe(
    Effect.zipRight(
      svc.native.callDecode("msb_volume_remove", [name], OkJson, { operation: "Volume.remove" })
    ),
    Effect.asVoid,
    narrowRemove.effect,
    Effect.withSpan("Volume.remove", { attributes: { "msb.volume": attributeOf(name) } })
  )

/** A volume owned by the current Scope: removed on every exit unless `keep`. */
export const make = (
  name: string,
  options: MakeOptions = {}
): Effect.Effect<Volume, CreateError, Microsandbox | Scope.Scope> =>
  Effect.flatMap(Microsandbox, (svc) => {
    // A value that is not an object is left for `create` to refuse (InvalidConfig).
    const { keep, ...createOptions } = typeof options === "object" && options !== null
      ? options
      : { keep: undefined }
    return Effect.acquireRelease(
      Effect.interruptible(
        create(svc, name, typeof options === "object" && options !== null ? createOptions : options)
      ),
      (volume) =>
        keep === true ? Effect.void : remove(svc, volume.name).pipe(
          Effect.catchTag("VolumeNotFound", () => Effect.void),
          Effect.catchAllCause((cause) => Effect.logWarning(`removing volume ${volume.name} failed`, cause))
        )
    )
  })

// ------------------------------------------------------------------ paths

/** The path as components, or why it is refused (before anything reaches the runtime). */
export const checkPath = (
  path: unknown,
  operation: string,
  volume: string
): Either.Either<ReadonlyArray<string>, Errors.InvalidArgument> => {
  const refuse = (why: string) => Either.left(invalidArgument({ operation }, "path", `${why}: ${show(path)}`))
  if (typeof path !== "string") return refuse(`volume path must be a string (volume ${volume})`)
  if (path.includes("\0")) return refuse(`volume path contains a NUL byte (volume ${volume})`)
  const problem = stringProblem(path)
  if (problem !== undefined) return refuse(`volume path ${problem} (volume ${volume})`)
  if (path.startsWith("/") || path.startsWith("\\")) {
    return refuse(`volume paths are relative to the volume root, not absolute (volume ${volume})`)
  }
  const parts = path.split("/").filter((p) => p !== "" && p !== ".")
  if (parts.includes("..")) return refuse(`volume path may not contain '..' (volume ${volume})`)
  return Either.right(parts)
}

const escapes = (operation: string, path: string, why: string) =>
  new Errors.Filesystem({ message: `path escapes the volume (${why}): ${path}`, operation, path })

const inside = (child: string, root: string) =>
  child === root || child.startsWith(root.endsWith("/") ? root : root + "/")

const errnoOf = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : undefined

/**
 * Walks `parts` under the host directory `root` as the kernel would, following every
 * symbolic link (at most 40), and fails when any step leaves the volume. Succeeds with
 * the host path the operation will reach (it may not exist yet).
 */
export const containedHostPath = (
  root: string,
  parts: ReadonlyArray<string>,
  ctx: { readonly operation: string; readonly volume: string; readonly path: string }
): Effect.Effect<string, Errors.Filesystem | Errors.VolumeNotFound> =>
  Effect.tryPromise({
    try: async (): Promise<Either.Either<string, Errors.Filesystem | Errors.VolumeNotFound>> => {
      let realRoot: string
      try {
        realRoot = await fsp.realpath(root)
      } catch (e) {
        if (errnoOf(e) === "ENOENT") {
          return Either.left(
            new Errors.VolumeNotFound({
              message: `volume not found: ${ctx.volume} (its directory ${root} is gone)`,
              operation: ctx.operation
            })
          )
        }
        throw e
      }
      const roots = [realRoot, nodePath.resolve(root)]
      const queue = [...parts]
      let cur = realRoot
      let links = 0
      while (queue.length > 0) {
        const seg = queue.shift()!
        if (seg === "" || seg === ".") continue
        if (seg === "..") {
          if (cur === realRoot) {
            return Either.left(escapes(ctx.operation, ctx.path, "a link leads above the root"))
          }
          cur = nodePath.dirname(cur)
          continue
        }
        const next = nodePath.join(cur, seg)
        let isLink = false
        try {
          isLink = (await fsp.lstat(next)).isSymbolicLink()
        } catch (e) {
          const code = errnoOf(e)
          if (code !== "ENOENT" && code !== "ENOTDIR") throw e
          // Nothing exists from here on: the rest is plain names (a link's target may still
          // hold `..`), resolved textually.
          const rest = nodePath.resolve(next, ...queue)
          return inside(rest, realRoot)
            ? Either.right(rest)
            : Either.left(escapes(ctx.operation, ctx.path, "a link leads outside"))
        }
        if (!isLink) {
          cur = next
          continue
        }
        if (++links > 40) return Either.left(escapes(ctx.operation, ctx.path, "too many symbolic links"))
        const target = await fsp.readlink(next)
        if (nodePath.isAbsolute(target)) {
          const normal = nodePath.normalize(target)
          const base = roots.find((r) => inside(normal, r))
          if (base === undefined) {
            return Either.left(escapes(ctx.operation, ctx.path, `a symbolic link points to ${target}`))
          }
          cur = realRoot
          queue.unshift(...nodePath.relative(base, normal).split("/"))
        } else {
          queue.unshift(...target.split("/"))
        }
      }
      return Either.right(cur)
    },
    catch: (e) =>
      new Errors.Filesystem({
        message: `cannot check the path on the host: ${String(e)}`,
        operation: ctx.operation,
        path: ctx.path
      })
  }).pipe(Effect.flatMap((r) => r))

// ------------------------------------------------------------------ file operations

const NOT_FOUND = /No such file or directory|os error 2\b/

const makeFs = (volume: VolumeImpl): VolumeFs => {
  const svc = volume.service
  const info = volume.info
  const target = Option.match(info.id, { onNone: () => info.name, onSome: (id) => `cloud-id:${id}` })

  const op = <A, I>(
    operation: string,
    fsOp: "read" | "write" | "mkdir" | "remove" | "exists",
    path: string,
    extra: Record<string, unknown>,
    schema: Schema.Schema<A, I>
  ): Effect.Effect<A, FsError> =>
    Effect.gen(function*() {
      const parts = checkPath(path, operation, info.name)
      if (Either.isLeft(parts)) return yield* Effect.fail(parts.left)
      const ctx = { operation, volume: info.name, path }
      let bufferSize: number | undefined
      if (Option.isSome(info.path)) {
        const host = yield* containedHostPath(info.path.value, parts.right, ctx)
        if (fsOp === "read") {
          // Size the answer from the file: base64 is 4/3 of it, plus the wrapper.
          const size = yield* Effect.promise(() => fsp.stat(host).then((s) => s.size, () => 0))
          bufferSize = Math.max(1 << 20, Math.ceil(size / 3) * 4 + 64)
        }
      }
      const args: ReadonlyArray<NativeArg> = [
        target,
        fsOp,
        JSON.stringify({ path: parts.right.join("/"), ...extra })
      ]
      return yield* svc.native.callDecode("msb_volume_fs_op", args, schema, {
        operation,
        idempotent: fsOp === "read" || fsOp === "exists",
        ...(bufferSize === undefined ? {} : { bufferSize })
      }).pipe(
        Effect.mapError((e): Errors.MicrosandboxError =>
          e._tag === "Io" && NOT_FOUND.test(e.message)
            ? new Errors.PathNotFound({ message: e.message, operation, path })
            : e._tag === "Filesystem"
            ? new Errors.Filesystem({ message: e.message, operation, path })
            : e
        )
      )
    }).pipe(
      narrowFs.effect,
      Effect.withSpan(operation, { attributes: { "msb.volume": info.name, "msb.path": path } })
    )

  const read = (path: string) =>
    op("Volume.read", "read", path, {}, DataJson).pipe(
      Effect.map((bytes): Uint8Array => new Uint8Array(bytes))
    )
  return {
    read,
    readString: (path) => Effect.map(read(path), (bytes) => new TextDecoder().decode(bytes)),
    write: (path, data) =>
      Effect.suspend(() => {
        const problem = contentsProblem(data)
        if (problem !== undefined) {
          return Effect.fail(invalidArgument({ operation: "Volume.write" }, "data", problem))
        }
        const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data
        return op(
          "Volume.write",
          "write",
          path,
          { data_b64: Buffer.from(bytes).toString("base64") },
          OkJson
        )
      }).pipe(Effect.asVoid),
    mkdir: (path) => op("Volume.mkdir", "mkdir", path, {}, OkJson).pipe(Effect.asVoid),
    remove: (path) => op("Volume.removeFile", "remove", path, {}, OkJson).pipe(Effect.asVoid),
    removeDir: (path) =>
      op("Volume.removeDir", "remove", path, { recursive: true }, OkJson).pipe(Effect.asVoid),
    exists: (path) => op("Volume.exists", "exists", path, {}, ExistsJson).pipe(Effect.map((r) => r.exists))
  }
}
