// Volumes (and modification of a sandbox record) against the real C-ABI library: nothing
// here boots a VM. Runs when a real library is found (test/support/real.ts:
// MSB_TEST_REAL_FFI_PATH or the installer's locations); skipped, with the reason in the
// suite name, otherwise. Uses its own temporary MSB_HOME.
import { afterAll, describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
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
import * as Microsandbox from "../../src/Microsandbox.js"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as Volume from "../../src/Volume.js"
import { realLibrary } from "../support/real.js"

const real = realLibrary()
const libraryPath = real.path
const skipReason = real.reason
if (libraryPath === undefined) console.log(`real volumes suite SKIPPED — ${skipReason}`)

// A private MSB_HOME for the real runtime (it reads MSB_HOME when first used).
const home = mkdtempSync(join(tmpdir(), "msb-real-volumes-"))
if (libraryPath !== undefined) process.env.MSB_HOME = home
const volumesDir = join(home, "volumes")
afterAll(() => rmSync(home, { recursive: true, force: true }))

describe.skipIf(libraryPath === undefined)(
  `volumes against the real library${libraryPath === undefined ? ` (skipped: ${skipReason})` : ""}`,
  () => {
    layer(Microsandbox.layer({ libraryPath }), { timeout: 120_000, excludeTestServices: true })((it) => {
      it.effect("the loaded library is the real runtime", () =>
        Effect.gen(function*() {
          const svc = yield* Microsandbox.Microsandbox
          expect(svc.isTestDouble).toBe(false)
          expect(yield* Microsandbox.runtimeVersion).toBe(Microsandbox.sdkVersion)
        }))

      it.effect("create (directory, quota, labels), get, list, remove", () =>
        Effect.gen(function*() {
          const v = yield* Volume.create("real-a", { quotaMib: 64, labels: { team: "infra" } })
          expect(v.info.kind).toBe("dir")
          expect(Option.getOrNull(v.info.quotaMib)).toBe(64)
          expect(v.info.labels).toEqual({ team: "infra" })
          expect(Option.getOrNull(v.info.path)).toBe(join(volumesDir, "real-a"))
          expect(statSync(join(volumesDir, "real-a")).isDirectory()).toBe(true)
          expect(Option.isSome(v.info.createdAt)).toBe(true)
          expect((yield* Volume.get("real-a")).info).toEqual(v.info)
          const b = yield* Volume.create("real-b")
          const listed = (yield* Volume.list).map((x) => x.name)
          expect(listed).toContain("real-a")
          expect(listed).toContain("real-b")
          expect((yield* Effect.flip(Volume.create("real-a")))._tag).toBe("VolumeAlreadyExists")
          const def = yield* Effect.flip(Volume.getDefault)
          expect(def._tag).toBe("UnsupportedOperation")
          yield* v.remove
          yield* b.remove
          expect((yield* Effect.flip(Volume.get("real-a")))._tag).toBe("VolumeNotFound")
          expect((yield* Effect.flip(Volume.remove("real-a")))._tag).toBe("VolumeNotFound")
          expect(existsSync(join(volumesDir, "real-a"))).toBe(false)
        }))

      it.effect("a disk volume (ext4 needs at least 68 MiB)", () =>
        Effect.gen(function*() {
          const small = yield* Effect.flip(Volume.create("real-disk", { kind: "disk", sizeMib: 64 }))
          expect(small._tag).toBe("Internal")
          expect(small.message).toContain("too small for ext4")
          const d = yield* Volume.create("real-disk", { kind: "disk", sizeMib: 128 })
          expect(Option.getOrNull(d.info.capacityBytes)).toBe(128 * 1024 * 1024)
          expect([Option.getOrNull(d.info.diskFormat), Option.getOrNull(d.info.diskFstype)]).toEqual([
            "raw",
            "ext4"
          ])
          expect(statSync(join(volumesDir, "real-disk", "disk.raw")).size).toBe(128 * 1024 * 1024)
          yield* d.remove
        }))

      it.effect("file operations", () =>
        Effect.gen(function*() {
          const v = yield* Volume.create("real-fs")
          yield* v.fs.write("a/b/c.txt", "héllo")
          expect(yield* v.fs.readString("a/b/c.txt")).toBe("héllo")
          expect(readFileSync(join(volumesDir, "real-fs", "a/b/c.txt"), "utf8")).toBe("héllo")
          const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 13) % 251)
          yield* v.fs.write("big.bin", big)
          expect(Buffer.compare(Buffer.from(yield* v.fs.read("big.bin")), Buffer.from(big))).toBe(0)
          expect([yield* v.fs.exists("a/b/c.txt"), yield* v.fs.exists("nope")]).toEqual([true, false])
          yield* v.fs.mkdir("m/n")
          expect(statSync(join(volumesDir, "real-fs", "m/n")).isDirectory()).toBe(true)
          expect((yield* Effect.flip(v.fs.read("missing")))._tag).toBe("PathNotFound")
          expect((yield* Effect.flip(v.fs.remove("m")))._tag).toBe("Io")
          expect((yield* Effect.flip(v.fs.removeDir("")))._tag).toBe("Filesystem")
          yield* v.fs.remove("a/b/c.txt")
          yield* v.fs.removeDir("m")
          expect([yield* v.fs.exists("a/b/c.txt"), yield* v.fs.exists("m")]).toEqual([false, false])
          yield* v.remove
        }))

      it.effect("hostile paths are refused with typed errors and reach nothing outside the volume", () =>
        Effect.gen(function*() {
          const v = yield* Volume.create("real-hostile")
          const root = join(volumesDir, "real-hostile")
          const outside = mkdtempSync(join(tmpdir(), "msb-real-outside-"))
          writeFileSync(join(outside, "secret.txt"), "do not read")
          mkdirSync(join(root, "inner"))
          writeFileSync(join(root, "inner", "ok.txt"), "inside")
          symlinkSync(outside, join(root, "out-dir"))
          symlinkSync(join(outside, "secret.txt"), join(root, "out-file"))
          symlinkSync(join(outside, "new.txt"), join(root, "dangling-out"))
          symlinkSync("inner/ok.txt", join(root, "in-link"))
          const all = (path: string) =>
            Effect.all([
              Effect.flip(v.fs.read(path)),
              Effect.flip(v.fs.write(path, "pwned")),
              Effect.flip(v.fs.exists(path)),
              Effect.flip(v.fs.mkdir(path)),
              Effect.flip(v.fs.remove(path)),
              Effect.flip(v.fs.removeDir(path))
            ]).pipe(Effect.map((es) => es.map((e) => e._tag)))
          const six = (tag: string) => Array.from({ length: 6 }, () => tag)
          for (const p of ["../x", "nodir/../../x", "..", "/etc/passwd", "a\0b"]) {
            expect(yield* all(p)).toEqual(six("InvalidArgument"))
          }
          for (const p of ["out-dir/secret.txt", "out-dir/new.txt", "out-file", "dangling-out"]) {
            expect(yield* all(p)).toEqual(six("Filesystem"))
          }
          expect(existsSync(join(outside, "new.txt"))).toBe(false)
          expect(existsSync(join(volumesDir, "x"))).toBe(false)
          expect(readFileSync(join(outside, "secret.txt"), "utf8")).toBe("do not read")
          expect(yield* v.fs.readString("in-link")).toBe("inside")
          // The runtime's own check, reached directly, refuses a plain traversal.
          const native = (yield* Microsandbox.Microsandbox).native
          const direct = yield* Effect.flip(
            native.call("msb_volume_fs_op", ["real-hostile", "read", JSON.stringify({ path: "../real-a" })])
          )
          expect([direct._tag, direct.message]).toEqual([
            "Filesystem",
            "sandbox fs error: path traversal outside volume root"
          ])
          yield* v.remove
          rmSync(outside, { recursive: true, force: true })
        }))

      it.effect("after removal: VolumeNotFound, and no directory is recreated", () =>
        Effect.gen(function*() {
          const v = yield* Volume.create("real-gone")
          yield* Volume.remove("real-gone")
          expect((yield* Effect.flip(v.fs.write("a.txt", "x")))._tag).toBe("VolumeNotFound")
          expect(existsSync(join(volumesDir, "real-gone"))).toBe(false)
        }))

      it.effect("Volume.make removes its volume when the scope closes", () =>
        Effect.gen(function*() {
          yield* Effect.scoped(Effect.flatMap(Volume.make("real-scoped"), (v) => v.fs.write("f", "1")))
          expect((yield* Effect.flip(Volume.get("real-scoped")))._tag).toBe("VolumeNotFound")
        }))

      it.effect(
        "modify by name plans and persists on a stopped record (a host-folder sandbox whose boot failed)",
        () =>
          Effect.gen(function*() {
            const rootfs = mkdtempSync(join(tmpdir(), "msb-real-rootfs-"))
            const created = yield* Effect.either(Effect.scoped(Sandbox.make(
              "real-mod",
              SandboxConfig.image(rootfs),
              SandboxConfig.labels({ team: "a" })
            )))
            const handle = yield* Sandbox.get("real-mod")
            if (created._tag === "Right") yield* handle.stop()
            const dry = yield* handle.modify({ cpus: 2, labels: { team: "b" }, rootDiskSizeMib: 8192 }, {
              dryRun: true
            })
            expect(dry.applied).toBe(false)
            expect(dry.changes.map((c) => [c.field, c.disposition])).toContainEqual(["cpus", "next start"])
            expect(dry.conflicts.map((c) => c.message)).toContain("root disk size requires an OCI rootfs")
            const applied = yield* handle.modify({ cpus: 2, labels: { team: "b" } })
            expect(applied.applied).toBe(true)
            const config = (yield* handle.refresh).configJson
            expect(config).toContain("\"team\":\"b\"")
            yield* handle.remove
            rmSync(rootfs, { recursive: true, force: true })
          }),
        180_000
      )
    })
  }
)
