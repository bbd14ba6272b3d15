import { afterAll, describe, expect, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Microsandbox } from "../../src/Microsandbox.js"
import * as Mount from "../../src/Mount.js"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as Volume from "../../src/Volume.js"
import * as Double from "../support/double.js"

const calls = (fn: string) => Double.counters().calls[fn] ?? 0
const volumesDir = () => join(process.env.MSB_HOME!, "volumes")

afterAll(() => {
  // Every native string, cancel id and handle of this file was released.
  expect(Double.outstanding()).toEqual(Double.nothingOutstanding)
})

describe("Volume", () => {
  layer(Double.layer(), { excludeTestServices: true })((it) => {
    it.effect("create (directory, quota, labels), get, list newest first, remove", () =>
      Effect.gen(function*() {
        const a = yield* Volume.create("vol-a", { quotaMib: 64, labels: { team: "infra" } })
        expect(a.name).toBe("vol-a")
        expect(a.info.kind).toBe("dir")
        expect(Option.getOrNull(a.info.quotaMib)).toBe(64)
        expect(a.info.labels).toEqual({ team: "infra" })
        expect(a.info.isDefault).toBe(false)
        expect(Option.isNone(a.info.id)).toBe(true)
        expect(Option.getOrNull(a.info.path)).toBe(join(volumesDir(), "vol-a"))
        expect(statSync(join(volumesDir(), "vol-a")).isDirectory()).toBe(true)
        expect(Option.isSome(a.info.createdAt)).toBe(true)
        expect(Option.isNone(a.info.capacityBytes)).toBe(true)

        const b = yield* Volume.create("vol-b")
        expect(Option.isNone(b.info.quotaMib)).toBe(true)
        const got = yield* Volume.get("vol-a")
        expect(got.info).toEqual(a.info)
        const listed = (yield* Volume.list).map((v) => v.name)
        expect(listed.indexOf("vol-b")).toBeLessThan(listed.indexOf("vol-a"))

        yield* a.remove
        expect(existsSync(join(volumesDir(), "vol-a"))).toBe(false)
        expect((yield* Effect.flip(Volume.get("vol-a")))._tag).toBe("VolumeNotFound")
        expect((yield* Effect.flip(Volume.remove("vol-a")))._tag).toBe("VolumeNotFound")
        expect((yield* Volume.list).map((v) => v.name)).not.toContain("vol-a")
        yield* Volume.remove(b)
      }))

    it.effect("a disk volume: capacity, raw ext4 image", () =>
      Effect.gen(function*() {
        // The runtime's ext4 formatter needs at least 68 MiB.
        const small = yield* Effect.flip(Volume.create("vol-disk", { kind: "disk", sizeMib: 64 }))
        expect([small._tag, small.message]).toEqual([
          "Internal",
          "failed to create disk.raw: image size is too small for ext4 formatting"
        ])
        expect(existsSync(join(volumesDir(), "vol-disk"))).toBe(false)
        const d = yield* Volume.create("vol-disk", { kind: "disk", sizeMib: 128 })
        expect(d.info.kind).toBe("disk")
        expect(Option.getOrNull(d.info.capacityBytes)).toBe(128 * 1024 * 1024)
        expect(Option.getOrNull(d.info.diskFormat)).toBe("raw")
        expect(Option.getOrNull(d.info.diskFstype)).toBe("ext4")
        expect(statSync(join(volumesDir(), "vol-disk", "disk.raw")).size).toBe(128 * 1024 * 1024)
        yield* d.remove
      }))

    it.effect("options and names are validated before the call (InvalidConfig names the field)", () =>
      Effect.gen(function*() {
        const before = calls("msb_volume_create")
        const cases: Array<[Effect.Effect<unknown, Volume.CreateError, Microsandbox>, string]> = [
          [Volume.create("", {}), "name"],
          [Volume.create("-dash", {}), "name"],
          [Volume.create("a/b", {}), "name"],
          [Volume.create("ok", { kind: "disk" }), "sizeMib"],
          [Volume.create("ok", { sizeMib: 8 }), "sizeMib"],
          [Volume.create("ok", { kind: "disk", sizeMib: 8, quotaMib: 1 }), "quotaMib"],
          [Volume.create("ok", { quotaMib: 0 }), "quotaMib"],
          [Volume.create("ok", { quotaMib: 1.5 }), "quotaMib"],
          [Volume.create("ok", { kind: "tape" as "dir" }), "kind"]
        ]
        for (const [effect, field] of cases) {
          const e = yield* Effect.flip(effect)
          expect(e._tag).toBe("InvalidConfig")
          if (e._tag === "InvalidConfig") expect(e.field).toBe(field)
        }
        expect(calls("msb_volume_create")).toBe(before)
      }))

    it.effect("the runtime's own checks: a taken name, an unknown kind, the default volume", () =>
      Effect.gen(function*() {
        const v = yield* Volume.create("vol-dup")
        expect((yield* Effect.flip(Volume.create("vol-dup")))._tag).toBe("VolumeAlreadyExists")
        const native = (yield* Microsandbox).native
        // The document as the runtime serialises it (serde_json's json!: keys sorted).
        const doc = yield* native.call("msb_volume_get", ["vol-dup"])
        const created = Math.floor(Option.getOrThrow(v.info.createdAt).getTime() / 1000)
        const path = JSON.stringify(join(volumesDir(), "vol-dup"))
        expect(doc).toBe(
          `{"capacity_bytes":null,"created_at_unix":${created},"disk_format":null,"disk_fstype":null,"id":null,` +
            `"is_default":false,"kind":"dir","labels":{},"name":"vol-dup","path":${path},"quota_mib":null,"used_bytes":0}`
        )
        const bad = yield* Effect.flip(
          native.call("msb_volume_create", ["vol-x", JSON.stringify({ kind: "tape" })])
        )
        expect(bad._tag).toBe("InvalidArgument")
        const badSize = yield* Effect.flip(
          native.call("msb_volume_create", ["vol-x", JSON.stringify({ size_mib: 4 })])
        )
        expect([badSize._tag, badSize.message]).toEqual([
          "InvalidConfig",
          "invalid config: directory named volumes do not support .size(...) / --size"
        ])
        // A null or empty options document means defaults.
        yield* native.call("msb_volume_create", ["vol-null", null])
        yield* native.call("msb_volume_create", ["vol-empty", ""])
        yield* Volume.remove("vol-null")
        yield* Volume.remove("vol-empty")
        const def = yield* Effect.flip(Volume.getDefault)
        expect(def._tag).toBe("UnsupportedOperation")
        expect(def.message).toContain("Volume::get_default")
        yield* v.remove
      }))

    it.effect("file operations: write, read (bytes, text, larger than one buffer), exists, mkdir, remove", () =>
      Effect.gen(function*() {
        const v = yield* Volume.create("vol-fs")
        yield* v.fs.write("a.txt", "héllo")
        expect(yield* v.fs.readString("a.txt")).toBe("héllo")
        expect(readFileSync(join(volumesDir(), "vol-fs", "a.txt"), "utf8")).toBe("héllo")
        yield* v.pipe(Volume.write("deep/er/b.bin", new Uint8Array([0, 255, 10])))
        expect(Array.from(yield* Volume.read(v, "deep/er/b.bin"))).toEqual([0, 255, 10])
        // ./ and repeated slashes are plain names, not escapes.
        expect(yield* v.fs.readString("./deep//er/../er/b.bin").pipe(Effect.flip, Effect.map((e) => e._tag)))
          .toBe(
            "InvalidArgument"
          )
        expect(Array.from(yield* v.fs.read("./deep//er/b.bin"))).toEqual([0, 255, 10])
        const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7) % 251)
        yield* v.fs.write("big.bin", big)
        const back = yield* v.fs.read("big.bin")
        expect(back.length).toBe(big.length)
        expect(Buffer.compare(Buffer.from(back), Buffer.from(big))).toBe(0)
        expect([yield* v.fs.exists("a.txt"), yield* Volume.exists(v, "nope")]).toEqual([true, false])
        yield* v.fs.mkdir("x/y/z")
        expect(statSync(join(volumesDir(), "vol-fs", "x/y/z")).isDirectory()).toBe(true)
        yield* v.fs.remove("a.txt")
        expect(yield* v.fs.exists("a.txt")).toBe(false)
        yield* v.pipe(Volume.removeDir("x"))
        expect(yield* v.fs.exists("x")).toBe(false)
        // Errors.
        const missing = yield* Effect.flip(v.fs.read("missing.txt"))
        expect(missing._tag).toBe("PathNotFound")
        if (missing._tag === "PathNotFound") expect(missing.path).toBe("missing.txt")
        expect((yield* Effect.flip(v.fs.remove("missing.txt")))._tag).toBe("PathNotFound")
        expect((yield* Effect.flip(v.fs.remove("deep")))._tag).toBe("Io")
        const root = yield* Effect.flip(v.fs.removeDir(""))
        expect([root._tag, root.message]).toEqual([
          "Filesystem",
          "sandbox fs error: remove_dir cannot target the volume root"
        ])
        yield* v.remove
      }))

    it.effect("hostile paths are refused with typed errors and reach nothing outside the volume", () =>
      Effect.gen(function*() {
        const v = yield* Volume.create("vol-hostile")
        const root = join(volumesDir(), "vol-hostile")
        const outside = mkdtempSync(join(tmpdir(), "msb-outside-"))
        writeFileSync(join(outside, "secret.txt"), "do not read")
        mkdirSync(join(root, "inner"))
        writeFileSync(join(root, "inner", "ok.txt"), "inside")
        symlinkSync(outside, join(root, "out-dir"))
        symlinkSync(join(outside, "secret.txt"), join(root, "out-file"))
        symlinkSync(join(outside, "new.txt"), join(root, "dangling-out"))
        symlinkSync("../../../../../../../../tmp", join(root, "relative-out"))
        symlinkSync("loop-b", join(root, "loop-a"))
        symlinkSync("loop-a", join(root, "loop-b"))
        symlinkSync("inner/ok.txt", join(root, "in-link"))
        symlinkSync(join(root, "inner"), join(root, "abs-in-link"))

        const before = calls("msb_volume_fs_op")
        const refused = (path: string) =>
          Effect.gen(function*() {
            const results = [
              yield* Effect.flip(v.fs.read(path)),
              yield* Effect.flip(v.fs.write(path, "pwned")),
              yield* Effect.flip(v.fs.exists(path)),
              yield* Effect.flip(v.fs.mkdir(path)),
              yield* Effect.flip(v.fs.remove(path)),
              yield* Effect.flip(v.fs.removeDir(path))
            ]
            return results.map((e) => e._tag)
          })
        const six = (tag: string) => Array.from({ length: 6 }, () => tag)
        for (const p of ["../x", "a/../../x", "inner/../../vol-a", "..", "/etc/passwd", "/", "a\0b", "\0"]) {
          expect(yield* refused(p)).toEqual(six("InvalidArgument"))
        }
        for (
          const p of [
            "out-dir/secret.txt",
            "out-dir/new.txt",
            "out-file",
            "dangling-out",
            "relative-out/x",
            "loop-a"
          ]
        ) {
          expect(yield* refused(p)).toEqual(six("Filesystem"))
        }
        // None of them reached the runtime, and nothing outside changed.
        expect(calls("msb_volume_fs_op")).toBe(before)
        expect(existsSync(join(outside, "new.txt"))).toBe(false)
        expect(readFileSync(join(outside, "secret.txt"), "utf8")).toBe("do not read")
        expect(existsSync(join(outside, "x"))).toBe(false)

        // Links that stay inside work.
        expect(yield* v.fs.readString("in-link")).toBe("inside")
        expect(yield* v.fs.readString("abs-in-link/ok.txt")).toBe("inside")
        yield* v.fs.write("abs-in-link/new.txt", "fine")
        expect(readFileSync(join(root, "inner", "new.txt"), "utf8")).toBe("fine")

        // The double, like the runtime, refuses a traversal that reaches it directly.
        const native = (yield* Microsandbox).native
        const direct = yield* Effect.flip(
          native.call("msb_volume_fs_op", [
            "vol-hostile",
            "write",
            JSON.stringify({ path: "../escape.txt", data_b64: "eA==" })
          ])
        )
        expect([direct._tag, direct.message]).toEqual([
          "Filesystem",
          "sandbox fs error: path traversal outside volume root"
        ])
        expect(existsSync(join(volumesDir(), "escape.txt"))).toBe(false)
        const viaLink = yield* Effect.flip(
          native.call("msb_volume_fs_op", ["vol-hostile", "read", JSON.stringify({ path: "out-file" })])
        )
        expect(viaLink._tag).toBe("Filesystem")
        yield* v.remove
        rmSync(outside, { recursive: true, force: true })
      }))

    it.effect("a volume's value after its removal: file operations fail VolumeNotFound", () =>
      Effect.gen(function*() {
        const v = yield* Volume.create("vol-gone")
        yield* Volume.remove("vol-gone")
        expect((yield* Effect.flip(v.fs.read("a")))._tag).toBe("VolumeNotFound")
        expect((yield* Effect.flip(v.fs.write("a", "x")))._tag).toBe("VolumeNotFound")
        expect((yield* Effect.flip(v.refresh))._tag).toBe("VolumeNotFound")
        expect((yield* Effect.flip(v.remove))._tag).toBe("VolumeNotFound")
        expect(existsSync(join(volumesDir(), "vol-gone"))).toBe(false)
      }))

    it.effect("Volume.make: removed when its scope closes (success and failure), kept with keep", () =>
      Effect.gen(function*() {
        yield* Effect.scoped(Effect.gen(function*() {
          const v = yield* Volume.make("vol-scoped")
          yield* v.fs.write("f", "1")
          expect(existsSync(join(volumesDir(), "vol-scoped", "f"))).toBe(true)
        }))
        expect((yield* Effect.flip(Volume.get("vol-scoped")))._tag).toBe("VolumeNotFound")
        expect(existsSync(join(volumesDir(), "vol-scoped"))).toBe(false)

        const failed = yield* Effect.exit(Effect.scoped(Effect.gen(function*() {
          yield* Volume.make("vol-scoped-fail")
          return yield* Effect.fail("boom")
        })))
        expect(Exit.isFailure(failed)).toBe(true)
        expect((yield* Effect.flip(Volume.get("vol-scoped-fail")))._tag).toBe("VolumeNotFound")

        // Removed by hand inside the scope: the release does not fail.
        yield* Effect.scoped(Effect.flatMap(Volume.make("vol-scoped-early"), (v) => v.remove))

        yield* Effect.scoped(Volume.make("vol-kept", { keep: true }))
        expect((yield* Volume.get("vol-kept")).name).toBe("vol-kept")
        yield* Volume.remove("vol-kept")
      }))

    it.effect("interrupting a create: a blocked one is cancelled, one that completed anyway is removed", () =>
      Effect.gen(function*() {
        yield* Double.fault({ fn: "msb_volume_create", block: true, count: 1 })
        const blocked = yield* Effect.fork(Effect.scoped(Volume.make("vol-int-a")))
        yield* Double.eventually(() => (Double.counters().in_flight.msb_volume_create ?? 0) === 1)
        yield* Fiber.interrupt(blocked)
        expect((yield* Effect.flip(Volume.get("vol-int-a")))._tag).toBe("VolumeNotFound")

        // The runtime finishes the create and holds its result although the caller gave up.
        yield* Double.fault({ fn: "msb_volume_create", hold_ms: 300, count: 1 })
        const held = yield* Effect.fork(Volume.create("vol-int-b"))
        yield* Double.eventually(() => existsSync(join(volumesDir(), "vol-int-b")))
        yield* Fiber.interrupt(held)
        expect((yield* Effect.flip(Volume.get("vol-int-b")))._tag).toBe("VolumeNotFound")
        expect(existsSync(join(volumesDir(), "vol-int-b"))).toBe(false)

        // A blocked file operation is interruptible too.
        const v = yield* Volume.create("vol-int-c")
        yield* Double.fault({ fn: "msb_volume_fs_op", block: true, count: 1 })
        const read = yield* Effect.fork(v.fs.exists("x"))
        yield* Double.eventually(() => (Double.counters().in_flight.msb_volume_fs_op ?? 0) === 1)
        const exit = yield* Fiber.interrupt(read)
        expect(Exit.isInterrupted(exit)).toBe(true)
        yield* v.remove
        expect(Double.counters().cancel_ids.registered).toBe(0)
      }))

    it.effect("the double keeps a record per volume beside the volumes (as the runtime keeps a database row)", () =>
      Effect.gen(function*() {
        const v = yield* Volume.create("vol-persist", { labels: { a: "1" } })
        const record = JSON.parse(readFileSync(join(volumesDir(), ".records", "vol-persist.json"), "utf8"))
        expect(record.name).toBe("vol-persist")
        const decoded = Schema.decodeUnknownSync(Schema.Struct({ kind: Schema.Literal("dir") }))(record)
        expect(decoded.kind).toBe("dir")
        yield* v.remove
      }))
  })
})

class Data extends Context.Tag("test/VolumeData")<Data, Volume.Volume>() {}

describe("Volume as a Layer and in Mount", () => {
  layer(Layer.provideMerge(Volume.layer(Data, "vol-layer", { labels: { suite: "mount" } }), Double.layer()), {
    excludeTestServices: true
  })((it) => {
    it.effect("the layer's volume exists while the suite runs; a sandbox mounts it by value or name", () =>
      Effect.gen(function*() {
        const data = yield* Data
        expect((yield* Volume.get("vol-layer")).info.labels).toEqual({ suite: "mount" })
        yield* data.fs.write("hello.txt", "from the host")
        yield* Effect.scoped(Effect.gen(function*() {
          const sandbox = yield* Sandbox.make(
            "vol-user",
            SandboxConfig.image("alpine"),
            SandboxConfig.mounts({
              "/data": Mount.named(data),
              "/again": Mount.named("vol-layer", { readonly: true })
            })
          )
          expect(yield* sandbox.fs.readString("/data/hello.txt")).toBe("from the host")
          // A running sandbox pins it.
          const pinned = yield* Effect.flip(Volume.remove("vol-layer"))
          expect(pinned._tag).toBe("InvalidConfig")
          expect(pinned.message).toContain("attached to active sandbox")
          // What the guest writes is in the volume.
          yield* sandbox.fs.write("/data/from-guest.txt", "guest")
        }))
        expect(yield* data.fs.readString("from-guest.txt")).toBe("guest")
      }))

    it.effect("named mounts: existing (default) must exist, create provisions, ensure-exists reuses", () =>
      Effect.gen(function*() {
        const missing = yield* Effect.flip(Effect.scoped(
          Sandbox.make(
            "vol-user-2",
            SandboxConfig.image("alpine"),
            SandboxConfig.mounts({ "/m": Mount.named("nope") })
          )
        ))
        expect(missing._tag).toBe("VolumeNotFound")
        const taken = yield* Effect.flip(Effect.scoped(
          Sandbox.make(
            "vol-user-3",
            SandboxConfig.image("alpine"),
            SandboxConfig.mounts({ "/m": Mount.named("vol-layer", { mode: "create" }) })
          )
        ))
        expect(taken._tag).toBe("VolumeAlreadyExists")
        yield* Effect.scoped(
          Sandbox.make(
            "vol-user-4",
            SandboxConfig.image("alpine"),
            SandboxConfig.mounts({
              "/m": Mount.named("vol-provisioned", { mode: "create", quotaMib: 32 }),
              "/n": Mount.named("vol-layer", { mode: "ensure-exists" })
            })
          )
        )
        const provisioned = yield* Volume.get("vol-provisioned")
        expect(Option.getOrNull(provisioned.info.quotaMib)).toBe(32)
        yield* Sandbox.remove("vol-user-4")
        yield* provisioned.remove
      }))

    it.effect("a create that fails after provisioning a volume removes the volume and leaves no record (as the runtime does)", () =>
      Effect.gen(function*() {
        yield* Double.configure({ boot_fail: "the guest is not coming" })
        const failed = yield* Effect.exit(Effect.scoped(
          Sandbox.make(
            "vol-user-5",
            SandboxConfig.image("alpine"),
            SandboxConfig.mounts({ "/m": Mount.named("vol-rolled-back", { mode: "create" }) })
          )
        ))
        yield* Double.configure({ boot_fail: null })
        expect(Exit.isFailure(failed)).toBe(true)
        expect((yield* Effect.flip(Volume.get("vol-rolled-back")))._tag).toBe("VolumeNotFound")
        expect(existsSync(join(volumesDir(), "vol-rolled-back"))).toBe(false)
        expect((yield* Effect.flip(Sandbox.get("vol-user-5")))._tag).toBe("SandboxNotFound")
        // Without a provisioned volume the failed create leaves a stopped record.
        yield* Double.configure({ boot_fail: "the guest is not coming" })
        yield* Effect.exit(Effect.scoped(
          Sandbox.make(
            "vol-user-6",
            SandboxConfig.image("alpine"),
            SandboxConfig.mounts({ "/m": Mount.named("vol-layer") })
          )
        ))
        yield* Double.configure({ boot_fail: null })
        expect((yield* Sandbox.get("vol-user-6")).status).toBe("stopped")
        yield* Sandbox.remove("vol-user-6")
      }))
  })
})

afterAll(() => {
  // The layer removed its volume when its suite ended.
  expect(existsSync(join(volumesDir(), "vol-layer"))).toBe(false)
})
