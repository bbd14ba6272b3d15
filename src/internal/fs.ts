/**
 * The guest filesystem over the runtime's fs exports (docs/runtime-abi.md §5.8).
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import type { SandboxFs } from "../SandboxFs.js"
import * as Errors from "./errorModel.js"
import type { FilesystemError, MicrosandboxError } from "./errorModel.js"
import { narrow } from "./errors.js"
import type { FunctionName } from "./ffi/signatures.js"
import { FsEntry, FsStat } from "./fsModel.js"
import * as NativeStream from "./nativeStream.js"
import { type SandboxCore, withHandle } from "./sandboxCore.js"
import { checkGuestPath, checkString, hasLoneSurrogate, invalidArgument, show } from "./validate.js"
import * as W from "./wireCodec.js"

const Kind = Schema.Literal("file", "directory", "symlink", "other")
const OkJson = Schema.Struct({ ok: Schema.Boolean })
const DataJson = Schema.Struct({ data: W.BytesFromBase64 })
/** A directory entry document as an `FsEntry`. */
const EntryJson = Schema.transform(
  Schema.Struct({ path: Schema.String, kind: Kind, size: Schema.Number, mode: Schema.Number }),
  Schema.instanceOf(FsEntry),
  {
    strict: true,
    decode: (fields) => new FsEntry(fields),
    encode: (e) => ({ path: e.path, kind: e.kind, size: e.size, mode: e.mode })
  }
)
const ListJson = Schema.Array(EntryJson)
/** The stat document as an `FsStat`. */
const StatJson = Schema.transform(
  Schema.Struct({
    kind: Kind,
    size: Schema.Number,
    mode: Schema.Number,
    readonly: Schema.Boolean,
    modified: W.nullable("modified_unix", W.DateFromUnixSeconds)
  }),
  Schema.instanceOf(FsStat),
  {
    strict: true,
    decode: (fields) => new FsStat(fields),
    encode: (s) => ({ kind: s.kind, size: s.size, mode: s.mode, readonly: s.readonly, modified: s.modified })
  }
)
const ExistsJson = Schema.Struct({ exists: Schema.Boolean })
const ChunkJson = Schema.Union(
  Schema.Struct({ chunk: W.field("chunk_b64", W.BytesFromBase64) }),
  Schema.Struct({ done: Schema.Literal(true) })
)

const NOT_FOUND = /No such file or directory|os error 2\b|not found/i

/**
 * A guest-side failure on a missing path is PathNotFound; others stay Filesystem, both
 * naming the path; an error no filesystem operation declares is Internal.
 */
const refine = (path: string) => (e: MicrosandboxError): FilesystemError =>
  e._tag === "Filesystem" && NOT_FOUND.test(e.message)
    ? new Errors.PathNotFound({
      message: e.message,
      operation: e.operation,
      path,
      ...(e.sandbox ? { sandbox: e.sandbox } : {})
    })
    : e._tag === "Filesystem"
    ? new Errors.Filesystem({
      message: e.message,
      operation: e.operation,
      path,
      ...(e.sandbox ? { sandbox: e.sandbox } : {})
    })
    : narrow.filesystem.error(e)

export const make = (core: SandboxCore): SandboxFs => {
  const native = core.native
  // Guest paths are absolute and cross into C whole (no NUL byte, valid Unicode); the
  // error names the argument. `names` are the public argument names of `paths`.
  const checked = (
    operation: string,
    paths: ReadonlyArray<unknown>,
    names: ReadonlyArray<string> = ["path"]
  ): Effect.Effect<void, Errors.InvalidArgument> =>
    paths.length === 1
      ? checkGuestPath({ operation, sandbox: core.name }, names[0] ?? "path", paths[0])
      : Effect.forEach(
        paths,
        (p, i) => checkGuestPath({ operation, sandbox: core.name }, names[i] ?? "path", p),
        { discard: true }
      )
  const op = <A, I>(
    operation: string,
    fn: FunctionName,
    paths: ReadonlyArray<string>,
    extra: ReadonlyArray<string>,
    schema: Schema.Schema<A, I>,
    options: { readonly retryOnBufferTooSmall?: boolean; readonly names?: ReadonlyArray<string> } = {}
  ): Effect.Effect<A, FilesystemError> =>
    native.operation(
      operation,
      { "msb.sandbox": core.name, "msb.path": typeof paths[0] === "string" ? paths[0] : "" },
      checked(operation, paths, options.names).pipe(
        Effect.zipRight(withHandle(core, operation, (h) =>
          native.callDecode(fn, [h, ...paths, ...extra], schema, {
            operation,
            sandbox: core.name,
            path: paths[0],
            span: false,
            ...(options.retryOnBufferTooSmall === undefined
              ? {}
              : { retryOnBufferTooSmall: options.retryOnBufferTooSmall })
          }))),
        Effect.mapError(refine(paths[0] ?? ""))
      )
    )
  const hostPath = (operation: string, value: unknown) =>
    Effect.flatMap(
      checkString({ operation, sandbox: core.name }, "hostPath", value),
      () =>
        value === ""
          ? Effect.fail(
            invalidArgument({ operation, sandbox: core.name }, "hostPath", "hostPath must not be empty")
          )
          : Effect.void
    )

  const readStream = (path: string): Stream.Stream<Uint8Array, FilesystemError> => {
    const ctx = { operation: "SandboxFs.readStream", sandbox: core.name }
    return NativeStream.items(
      checked("SandboxFs.readStream", [path]).pipe(
        Effect.zipRight(
          NativeStream.openHandle(
            native,
            "msb_fs_read_stream_close",
            ctx,
            (call) =>
              withHandle(core, ctx.operation, (h) => call("msb_fs_read_stream", [h, path])).pipe(
                Effect.mapError(refine(path))
              )
          )
        )
      ),
      (handle) => {
        let done = false
        return Effect.suspend(() =>
          done
            ? Effect.fail(Option.none())
            // A chunk is an item of the stream, not an operation: no span of its own
            // (the stream's span is its opening call's).
            : native.callDecode("msb_fs_read_stream_recv", [handle], ChunkJson, { ...ctx, span: false }).pipe(
              Effect.mapError((e) => Option.some(refine(path)(e))),
              Effect.flatMap((r) => {
                if ("done" in r) {
                  done = true
                  return Effect.fail(Option.none())
                }
                return Effect.succeed(new Uint8Array(r.chunk))
              })
            )
        )
      }
    )
  }

  const read = (path: string): Effect.Effect<Uint8Array, FilesystemError> =>
    op("SandboxFs.read", "msb_fs_read", [path], [], DataJson, { retryOnBufferTooSmall: false }).pipe(
      Effect.map((r): Uint8Array => r.data),
      // Too large for one response: the streaming read, transparently.
      Effect.catchTag("BufferTooSmall", () =>
        Stream.runCollect(readStream(path)).pipe(
          Effect.map((chunks): Uint8Array => Buffer.concat(Chunk.toReadonlyArray(chunks)))
        ))
    )

  const writeStream = (path: string): Sink.Sink<void, Uint8Array, never, FilesystemError> =>
    Sink.unwrapScoped(
      Effect.gen(function*() {
        yield* checked("SandboxFs.writeStream", [path])
        const ctx = { operation: "SandboxFs.writeStream", sandbox: core.name }
        const opened = withHandle(
          core,
          ctx.operation,
          (h) =>
            native.callDecode("msb_fs_write_stream", [h, path], NativeStream.StreamHandleJson, {
              ...ctx,
              onOrphan: (r) => native.call("msb_fs_write_stream_close", [r.handle])
            })
        ).pipe(Effect.mapError(refine(path)))
        const state = { handle: 0n, closed: false }
        yield* NativeStream.acquire(
          opened,
          (r) => (state.handle = r.handle),
          // Interrupted or failed mid-way: finalize what was written so the handle is released.
          () =>
            state.closed
              ? Effect.void
              : native.call("msb_fs_write_stream_close", [state.handle], ctx).pipe(Effect.ignore)
        )
        const finish = Effect.suspend(() => {
          state.closed = true
          return native.call("msb_fs_write_stream_close", [state.handle], ctx).pipe(
            Effect.asVoid,
            Effect.mapError(refine(path))
          )
        })
        return Sink.forEach((chunk: Uint8Array) =>
          chunk.length === 0
            ? Effect.void
            : native.call(
              "msb_fs_write_stream_write",
              [state.handle, Buffer.from(chunk).toString("base64")],
              ctx
            ).pipe(
              Effect.mapError(refine(path))
            )
        ).pipe(Sink.foldSink({ onFailure: Sink.fail, onSuccess: () => Sink.fromEffect(finish) }))
      })
    )

  return {
    read,
    readString: (path) => Effect.map(read(path), (bytes) => new TextDecoder().decode(bytes)),
    write: (path, data) =>
      Effect.suspend(() => {
        if (typeof data === "string") {
          // Content may hold any byte, NUL included (it travels as base64); only text
          // that cannot be encoded as UTF-8 is refused.
          if (hasLoneSurrogate(data)) {
            return Effect.fail(
              invalidArgument(
                { operation: "SandboxFs.write", sandbox: core.name },
                "data",
                "data is not valid Unicode (a lone surrogate cannot be encoded as UTF-8)"
              )
            )
          }
        } else if (!(data instanceof Uint8Array)) {
          return Effect.fail(
            invalidArgument(
              { operation: "SandboxFs.write", sandbox: core.name },
              "data",
              `data must be a string or a Uint8Array, got ${show(data)}`
            )
          )
        }
        const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data
        return op("SandboxFs.write", "msb_fs_write", [path], [Buffer.from(bytes).toString("base64")], OkJson)
      }).pipe(Effect.asVoid),
    list: (path) => op("SandboxFs.list", "msb_fs_list", [path], [], ListJson),
    stat: (path) => op("SandboxFs.stat", "msb_fs_stat", [path], [], StatJson),
    exists: (path) =>
      op("SandboxFs.exists", "msb_fs_exists", [path], [], ExistsJson).pipe(Effect.map((r) => r.exists)),
    mkdir: (path) => op("SandboxFs.mkdir", "msb_fs_mkdir", [path], [], OkJson).pipe(Effect.asVoid),
    remove: (path) => op("SandboxFs.remove", "msb_fs_remove", [path], [], OkJson).pipe(Effect.asVoid),
    removeDir: (path) =>
      op("SandboxFs.removeDir", "msb_fs_remove_dir", [path], [], OkJson).pipe(Effect.asVoid),
    copy: (from, to) =>
      op("SandboxFs.copy", "msb_fs_copy", [from, to], [], OkJson, { names: ["from", "to"] }).pipe(
        Effect.asVoid
      ),
    rename: (from, to) =>
      op("SandboxFs.rename", "msb_fs_rename", [from, to], [], OkJson, { names: ["from", "to"] }).pipe(
        Effect.asVoid
      ),
    copyFromHost: (host, guestPath) =>
      hostPath("SandboxFs.copyFromHost", host).pipe(
        Effect.zipRight(checked("SandboxFs.copyFromHost", [guestPath], ["guestPath"])),
        Effect.zipRight(withHandle(core, "SandboxFs.copyFromHost", (h) =>
          native.callDecode("msb_fs_copy_from_host", [h, host, guestPath], OkJson, {
            operation: "SandboxFs.copyFromHost",
            sandbox: core.name
          }))),
        Effect.mapError(refine(guestPath)),
        Effect.asVoid
      ),
    copyToHost: (guestPath, host) =>
      hostPath("SandboxFs.copyToHost", host).pipe(
        Effect.zipRight(
          op("SandboxFs.copyToHost", "msb_fs_copy_to_host", [guestPath], [host], OkJson, {
            names: ["guestPath"]
          })
        ),
        Effect.asVoid
      ),
    readStream,
    writeStream
  }
}
