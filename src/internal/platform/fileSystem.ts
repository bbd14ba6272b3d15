/**
 * A sandbox's guest filesystem behind `@effect/platform`'s `FileSystem` interface:
 * each verb is the matching `sandbox.fs` operation, its failures the platform's own
 * `PlatformError`s.
 *
 * @internal
 */
import * as PlatformError from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import type { FileKind, FsStat, SandboxFs } from "../../SandboxFs.js"
import type { MicrosandboxError } from "../errorModel.js"

/** Options of a sandbox's `FileSystem`. */
export interface Options {
  /** The directory relative paths are resolved against (an absolute guest path; default `/`). */
  readonly cwd?: string | undefined
}

const ERRNO_REASONS: ReadonlyArray<readonly [RegExp, PlatformError.SystemErrorReason]> = [
  [/os error 2\)|No such file or directory/i, "NotFound"],
  [/os error (1|13)\)|Permission denied|Operation not permitted/i, "PermissionDenied"],
  [/os error 17\)|File exists/i, "AlreadyExists"],
  [/os error (20|21|40)\)|Not a directory|Is a directory|Too many levels of symbolic links/i, "BadResource"],
  [/os error 16\)|Device or resource busy/i, "Busy"]
]

/** The platform's reading of a sandbox filesystem failure. */
export const toPlatformError = (method: string, path: string) =>
(
  e: MicrosandboxError
): PlatformError.PlatformError => {
  switch (e._tag) {
    case "InvalidArgument":
      return new PlatformError.BadArgument({ module: "FileSystem", method, description: e.message, cause: e })
    case "PathNotFound":
      return systemError(method, path, "NotFound", e.message, e)
    case "Filesystem": {
      const reason = ERRNO_REASONS.find(([re]) => re.test(e.message))?.[1] ?? "Unknown"
      return systemError(method, path, reason, e.message, e)
    }
    default:
      return systemError(method, path, "Unknown", e.message, e)
  }
}

const systemError = (
  method: string,
  path: string,
  reason: PlatformError.SystemErrorReason,
  description: string,
  cause?: unknown
) =>
  new PlatformError.SystemError({
    module: "FileSystem",
    method,
    reason,
    pathOrDescriptor: path,
    description,
    ...(cause === undefined ? {} : { cause })
  })

const unsupported = (method: string, path: string, what: string) =>
  Effect.fail(
    systemError(
      method,
      path,
      "Unknown",
      `not supported by a sandbox's filesystem: the runtime has no ${what}`
    )
  )

/** Lexical resolution of a guest path against a directory (as `path.posix.resolve`). */
export const resolve = (cwd: string, path: string): string => {
  const segments: Array<string> = []
  for (const part of `${path.startsWith("/") ? "" : cwd}/${path}`.split("/")) {
    if (part === "" || part === ".") continue
    if (part === "..") segments.pop()
    else segments.push(part)
  }
  return `/${segments.join("/")}`
}

const parentOf = (path: string): string => path.slice(0, Math.max(path.lastIndexOf("/"), 0)) || "/"

const FILE_TYPES: Record<FileKind, FileSystem.File.Type> = {
  file: "File",
  directory: "Directory",
  symlink: "SymbolicLink",
  other: "Unknown"
}

const toInfo = (s: FsStat): FileSystem.File.Info => ({
  type: FILE_TYPES[s.kind],
  mtime: s.modified,
  atime: Option.none(),
  birthtime: Option.none(),
  dev: 0,
  ino: Option.none(),
  mode: s.mode,
  nlink: Option.none(),
  uid: Option.none(),
  gid: Option.none(),
  rdev: Option.none(),
  size: FileSystem.Size(s.size),
  blksize: Option.none(),
  blocks: Option.none()
})

const concat = (chunks: Chunk.Chunk<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(Chunk.reduce(chunks, 0, (n, c) => n + c.length))
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}

/** Bytes `[offset, offset + length)` of a byte stream; pulls nothing past the end. */
const slice = <E>(
  bytes: Stream.Stream<Uint8Array, E>,
  offset: bigint,
  length: bigint | undefined
): Stream.Stream<Uint8Array, E> => {
  if (offset === 0n && length === undefined) return bytes
  const end = length === undefined ? undefined : offset + length
  return Stream.suspend(() => {
    let position = 0n
    return bytes.pipe(
      Stream.takeWhile(() => end === undefined || position < end),
      Stream.map((chunk) => {
        const start = position
        position += BigInt(chunk.length)
        const from = offset > start ? Number(offset - start) : 0
        const to = end === undefined ? chunk.length : Math.min(chunk.length, Number(end - start))
        return from >= to ? new Uint8Array(0) : chunk.subarray(from, to)
      }),
      Stream.filter((chunk) => chunk.length > 0)
    )
  })
}

const randomName = (): string => Math.random().toString(36).slice(2, 10).padEnd(8, "0")

/** The sandbox filesystem as a `FileSystem`. */
export const make = (fs: SandboxFs, options: Options = {}): FileSystem.FileSystem => {
  const cwd = resolve("/", options.cwd ?? "/")
  const at = (path: string) => resolve(cwd, path)
  const lift = <A>(method: string, path: string, effect: Effect.Effect<A, MicrosandboxError>) =>
    Effect.mapError(effect, toPlatformError(method, path))

  const stat = (method: string, path: string) => lift(method, path, fs.stat(at(path)))

  const exists = (path: string) => lift("exists", path, fs.exists(at(path)))

  const access = (path: string, opts?: FileSystem.AccessFileOptions) =>
    Effect.flatMap(stat("access", path), (s) =>
      opts?.writable && s.readonly
        ? Effect.fail(systemError("access", path, "PermissionDenied", "read-only"))
        : Effect.void)

  const remove = (method: string) => (path: string, opts?: FileSystem.RemoveOptions) =>
    lift(method, path, fs.stat(at(path))).pipe(
      Effect.flatMap((s) =>
        s.kind !== "directory"
          ? lift(method, path, fs.remove(at(path)))
          : opts?.recursive
          ? lift(method, path, fs.removeDir(at(path)))
          : Effect.fail(
            systemError(method, path, "BadResource", "is a directory (remove it with recursive: true)")
          )
      ),
      Effect.catchIf(
        (e) => opts?.force === true && e._tag === "SystemError" && e.reason === "NotFound",
        () => Effect.void
      )
    )

  const makeDirectory = (path: string, opts?: FileSystem.MakeDirectoryOptions) =>
    opts?.recursive
      ? lift("makeDirectory", path, fs.mkdir(at(path)))
      // `mkdir` creates parents: without `recursive`, fail as mkdir(2) would.
      : Effect.gen(function*() {
        if (yield* exists(path)) {
          return yield* systemError("makeDirectory", path, "AlreadyExists", "file exists")
        }
        const parent = yield* lift("makeDirectory", path, fs.exists(parentOf(at(path))))
        if (!parent) return yield* systemError("makeDirectory", path, "NotFound", "no such file or directory")
        yield* lift("makeDirectory", path, fs.mkdir(at(path)))
      })

  const makeTempDirectoryWith = (method: string) => (opts?: FileSystem.MakeTempDirectoryOptions) =>
    Effect.suspend(() => {
      const path = resolve(at(opts?.directory ?? "/tmp"), `${opts?.prefix ?? ""}${randomName()}`)
      return lift(method, path, fs.mkdir(path)).pipe(Effect.as(path))
    })

  const makeTempFileWith = (method: string) => (opts?: FileSystem.MakeTempFileOptions) =>
    Effect.flatMap(makeTempDirectoryWith(method)(opts), (directory) => {
      const path = `${directory}/${randomName()}${opts?.suffix ?? ""}`
      return lift(method, path, fs.write(path, new Uint8Array(0))).pipe(Effect.as(path))
    })

  const readDirectory = (path: string, opts?: FileSystem.ReadDirectoryOptions) => {
    const walk = (dir: string, prefix: string): Effect.Effect<Array<string>, PlatformError.PlatformError> =>
      lift("readDirectory", path, fs.list(dir)).pipe(
        Effect.flatMap((entries) =>
          Effect.forEach(entries, (entry) => {
            const name = `${prefix}${entry.path.slice(entry.path.lastIndexOf("/") + 1)}`
            return opts?.recursive && entry.kind === "directory"
              ? Effect.map(walk(entry.path, `${name}/`), (below) => [name, ...below])
              : Effect.succeed([name])
          })
        ),
        Effect.map((names) => names.flat())
      )
    return walk(at(path), "")
  }

  const writeFile = (path: string, data: Uint8Array, opts?: FileSystem.WriteFileOptions) =>
    Effect.gen(function*() {
      const flag = opts?.flag ?? "w"
      if (flag.includes("x") && (yield* exists(path))) {
        return yield* systemError("writeFile", path, "AlreadyExists", "file exists")
      }
      if (flag.startsWith("a") && (yield* exists(path))) {
        // No append verb in the runtime: read, then write the whole.
        const before = yield* lift("writeFile", path, fs.read(at(path)))
        return yield* lift("writeFile", path, fs.write(at(path), concat(Chunk.make(before, data))))
      }
      if (flag.startsWith("r")) {
        return yield* new PlatformError.BadArgument({
          module: "FileSystem",
          method: "writeFile",
          description: `flag ${flag} is not supported by a sandbox's filesystem`
        })
      }
      yield* lift("writeFile", path, fs.write(at(path), data))
    })

  const sink = (
    path: string,
    opts?: FileSystem.SinkOptions
  ): Sink.Sink<void, Uint8Array, never, PlatformError.PlatformError> => {
    const flag = opts?.flag ?? "w"
    if (!flag.startsWith("w")) {
      return Sink.fail(
        new PlatformError.BadArgument({
          module: "FileSystem",
          method: "sink",
          description: `flag ${flag} is not supported by a sandbox's filesystem sink (only w and wx)`
        })
      )
    }
    const write = Sink.mapError(fs.writeStream(at(path)), toPlatformError("sink", path))
    return flag.includes("x")
      ? Sink.unwrap(
        Effect.map(
          exists(path),
          (found) => found ? Sink.fail(systemError("sink", path, "AlreadyExists", "file exists")) : write
        )
      )
      : write
  }

  const stream = (path: string, opts?: FileSystem.StreamOptions) =>
    slice(
      Stream.mapError(fs.readStream(at(path)), toPlatformError("stream", path)),
      opts?.offset === undefined ? 0n : FileSystem.Size(opts.offset),
      opts?.bytesToRead === undefined ? undefined : FileSystem.Size(opts.bytesToRead)
    )

  const truncate = (path: string, length?: FileSystem.SizeInput) =>
    Effect.gen(function*() {
      const size = length === undefined ? 0 : Number(FileSystem.Size(length))
      const before = yield* lift("truncate", path, fs.read(at(path)))
      const after = new Uint8Array(size)
      after.set(before.subarray(0, size))
      yield* lift("truncate", path, fs.write(at(path), after))
    })

  const base = FileSystem.make({
    access,
    chmod: (path) => unsupported("chmod", path, "chmod"),
    chown: (path) => unsupported("chown", path, "chown"),
    copy: (from, to) => lift("copy", from, fs.copy(at(from), at(to))),
    copyFile: (from, to) =>
      Effect.flatMap(stat("copyFile", from), (s) =>
        s.kind === "directory"
          ? Effect.fail(systemError("copyFile", from, "BadResource", "is a directory"))
          : lift("copyFile", from, fs.copy(at(from), at(to)))),
    link: (from) => unsupported("link", from, "hard links"),
    makeDirectory,
    makeTempDirectory: makeTempDirectoryWith("makeTempDirectory"),
    makeTempDirectoryScoped: (opts) =>
      Effect.acquireRelease(
        makeTempDirectoryWith("makeTempDirectoryScoped")(opts),
        (dir) => Effect.orDie(remove("makeTempDirectoryScoped")(dir, { recursive: true }))
      ),
    makeTempFile: makeTempFileWith("makeTempFile"),
    makeTempFileScoped: (opts) =>
      Effect.acquireRelease(
        makeTempFileWith("makeTempFileScoped")(opts),
        (file) => Effect.orDie(remove("makeTempFileScoped")(parentOf(file), { recursive: true }))
      ),
    open: (path) => unsupported("open", path, "file descriptors (use readFile, stream, writeFile or sink)"),
    readDirectory,
    readFile: (path) => lift("readFile", path, fs.read(at(path))),
    readLink: (path) => unsupported("readLink", path, "readlink"),
    realPath: (path) => unsupported("realPath", path, "realpath"),
    remove: remove("remove"),
    rename: (from, to) => lift("rename", from, fs.rename(at(from), at(to))),
    stat: (path) => Effect.map(stat("stat", path), toInfo),
    symlink: (from) => unsupported("symlink", from, "symlink"),
    truncate,
    utimes: (path) => unsupported("utimes", path, "utimes"),
    watch: (path) => Stream.fromEffect(unsupported("watch", path, "file watching")),
    writeFile
  })
  return { ...base, exists, sink, stream }
}
