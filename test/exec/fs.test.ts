import { describe, expect, layer } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as Double from "../support/double.js"

class Box extends Context.Tag("test/FsBox")<Box, Sandbox.Sandbox>() {}
const BoxLive = Sandbox.layer(Box, "fs-box", SandboxConfig.image("alpine"))
const calls = (fn: string) => Double.counters().calls[fn] ?? 0

describe("SandboxFs", () => {
  layer(Layer.provideMerge(BoxLive, Double.layer()), { excludeTestServices: true })((it) => {
    it.effect("write, read (bytes and text), exists, stat", () =>
      Effect.gen(function*() {
        const { fs } = yield* Box
        yield* fs.write("/tmp/a.txt", "héllo")
        expect(yield* fs.readString("/tmp/a.txt")).toBe("héllo")
        yield* fs.write("/tmp/b.bin", new Uint8Array([0, 255, 10]))
        expect(Array.from(yield* fs.read("/tmp/b.bin"))).toEqual([0, 255, 10])
        expect(yield* fs.exists("/tmp/a.txt")).toBe(true)
        expect(yield* fs.exists("/tmp/nope")).toBe(false)
        const st = yield* fs.stat("/tmp/a.txt")
        expect([st.kind, st.size, st.readonly]).toEqual(["file", 6, false])
        expect(Option.isSome(st.modified)).toBe(true)
        expect((yield* fs.stat("/tmp")).kind).toBe("directory")
      }))

    it.effect("mkdir (with parents), list, copy, rename, remove, removeDir", () =>
      Effect.gen(function*() {
        const { fs } = yield* Box
        yield* fs.mkdir("/data/x/y")
        yield* fs.write("/data/x/y/f.txt", "1")
        yield* fs.write("/data/x/g.txt", "22")
        const entries = yield* fs.list("/data/x")
        expect(entries.map((e) => [e.path, e.kind, e.size])).toEqual([
          ["/data/x/g.txt", "file", 2],
          ["/data/x/y", "directory", entries[1]!.size]
        ])
        yield* fs.copy("/data/x/g.txt", "/data/copy.txt")
        expect(yield* fs.readString("/data/copy.txt")).toBe("22")
        yield* fs.copy("/data/x", "/data/x2")
        expect(yield* fs.readString("/data/x2/y/f.txt")).toBe("1")
        yield* fs.rename("/data/copy.txt", "/data/moved.txt")
        expect([yield* fs.exists("/data/copy.txt"), yield* fs.exists("/data/moved.txt")]).toEqual([
          false,
          true
        ])
        yield* fs.remove("/data/moved.txt")
        expect(yield* fs.exists("/data/moved.txt")).toBe(false)
        yield* fs.removeDir("/data/x")
        expect(yield* fs.exists("/data/x")).toBe(false)
      }))

    it.effect("copy from and to the host", () =>
      Effect.gen(function*() {
        const { fs } = yield* Box
        const dir = mkdtempSync(join(tmpdir(), "msb-host-"))
        writeFileSync(join(dir, "in.txt"), "from host")
        yield* fs.copyFromHost(join(dir, "in.txt"), "/tmp/in.txt")
        expect(yield* fs.readString("/tmp/in.txt")).toBe("from host")
        yield* fs.copyToHost("/tmp/in.txt", join(dir, "out.txt"))
        expect(readFileSync(join(dir, "out.txt"), "utf8")).toBe("from host")
      }))

    it.effect("errors: PathNotFound for missing paths, Filesystem otherwise, InvalidArgument before the call", () =>
      Effect.gen(function*() {
        const { fs } = yield* Box
        const missing = yield* Effect.flip(fs.read("/tmp/missing.txt"))
        expect(missing._tag).toBe("PathNotFound")
        if (missing._tag === "PathNotFound") expect(missing.path).toBe("/tmp/missing.txt")
        expect((yield* Effect.flip(fs.stat("/nope")))._tag).toBe("PathNotFound")
        expect((yield* Effect.flip(fs.list("/nope")))._tag).toBe("PathNotFound")
        expect((yield* Effect.flip(fs.remove("/nope")))._tag).toBe("PathNotFound")
        expect((yield* Effect.flip(fs.rename("/nope", "/x")))._tag).toBe("PathNotFound")
        expect((yield* Effect.flip(Stream.runDrain(fs.readStream("/nope"))))._tag).toBe("PathNotFound")
        yield* fs.mkdir("/dir-not-file")
        const isDir = yield* Effect.flip(fs.remove("/dir-not-file"))
        expect(isDir._tag).toBe("Filesystem")
        expect((yield* Effect.flip(fs.read("/dir-not-file")))._tag).toBe("Filesystem")
        expect((yield* Effect.flip(fs.write("/no/parent/f", "x")))._tag).toBe("PathNotFound")
        const before = calls("msb_fs_read")
        const relative = yield* Effect.flip(fs.read("relative/path"))
        expect(relative._tag).toBe("InvalidArgument")
        expect(calls("msb_fs_read")).toBe(before)
        expect((yield* Effect.flip(fs.copyFromHost("/etc/hostname", "tmp/x")))._tag).toBe("InvalidArgument")
        expect((yield* Effect.flip(fs.copyFromHost("/host/missing", "/tmp/x")))._tag).toBe("Io")
      }))

    it.effect("a file larger than the read buffer is read in full, through the streaming read", () =>
      Effect.gen(function*() {
        const { fs } = yield* Box
        const size = 5 * 1024 * 1024 + 7
        const data = new Uint8Array(size).map((_, i) => (i * 31) % 256)
        yield* fs.write("/tmp/big.bin", data)
        const reads = calls("msb_fs_read")
        const streams = calls("msb_fs_read_stream")
        const got = yield* fs.read("/tmp/big.bin")
        expect(got.length).toBe(size)
        expect(Buffer.compare(Buffer.from(got), Buffer.from(data))).toBe(0)
        expect(calls("msb_fs_read") - reads).toBe(1)
        expect(calls("msb_fs_read_stream") - streams).toBe(1)
      }))

    it.effect("readStream delivers full 3 MiB chunks (within the 6 MiB receive buffer) and closes its handle", () =>
      Effect.gen(function*() {
        const { fs } = yield* Box
        const size = 7 * 1024 * 1024
        yield* fs.write("/tmp/seven.bin", new Uint8Array(size).fill(7))
        const chunks = Chunk.toReadonlyArray(yield* Stream.runCollect(fs.readStream("/tmp/seven.bin")))
        expect(chunks.map((c) => c.length)).toEqual([3 * 1024 * 1024, 3 * 1024 * 1024, 1024 * 1024])
        expect(Double.counters().handles.fs_read).toBe(0)
        const first = yield* fs.readStream("/tmp/seven.bin").pipe(Stream.take(1), Stream.runCollect)
        expect(Chunk.size(first)).toBe(1)
        expect(Double.counters().handles.fs_read).toBe(0)
      }))

    it.effect("writeStream writes every chunk, finalizes, and releases its handle", () =>
      Effect.gen(function*() {
        const { fs } = yield* Box
        const parts = Array.from({ length: 20 }, (_, i) => new Uint8Array(256 * 1024).fill(i))
        yield* Stream.fromIterable(parts).pipe(Stream.run(fs.writeStream("/tmp/streamed.bin")))
        const got = yield* fs.read("/tmp/streamed.bin")
        expect(got.length).toBe(20 * 256 * 1024)
        expect(got[0]).toBe(0)
        expect(got[got.length - 1]).toBe(19)
        expect(Double.counters().handles.fs_write).toBe(0)
        const failed = yield* Effect.flip(
          Stream.concat(Stream.make(new Uint8Array([1])), Stream.fail("boom")).pipe(
            Stream.run(fs.writeStream("/tmp/partial.bin"))
          )
        )
        expect(failed).toBe("boom")
        expect(Double.counters().handles.fs_write).toBe(0)
      }))

    it.effect("operations on a stopped sandbox fail; on a closed handle fail InvalidHandle", () =>
      Effect.gen(function*() {
        const sb = yield* Effect.scoped(Effect.gen(function*() {
          const sb = yield* Sandbox.make("fs-closed", SandboxConfig.image("alpine"))
          yield* sb.fs.write("/tmp/x", "x")
          yield* sb.close
          return sb
        }))
        expect((yield* Effect.flip(sb.fs.read("/tmp/x")))._tag).toBe("InvalidHandle")
      }))
  })
})
