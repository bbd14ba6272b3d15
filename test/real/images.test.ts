// Images and snapshots against the real C-ABI library: everything here needs no booted
// VM. Runs when a real library is found (test/support/real.ts: MSB_TEST_REAL_FFI_PATH or
// the installer's locations; skipped visibly otherwise), with its own temporary MSB_HOME, on an archive this test
// builds itself (test/support/tar.ts).
//
// A create from the loaded image (pull policy never) reaches the boot; where no VM can
// boot it fails and leaves a record, which is what the snapshot tests use. Where a VM
// boots, the scope stops it and the record is just as snapshottable.
import { afterAll, describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Image from "../../src/Image.js"
import * as Microsandbox from "../../src/Microsandbox.js"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as Snapshot from "../../src/Snapshot.js"
import { realLibrary } from "../support/real.js"
import { dockerArchive, tar, untar } from "../support/tar.js"

const real = realLibrary()
const available = real.path !== undefined
const libraryPath = real.path
if (!available) console.log(`real images/snapshots suite SKIPPED — ${real.reason}`)

// Its own MSB_HOME (the real library reads it from the process environment); the test
// setup's private one otherwise.
const home = available ? mkdtempSync(join(tmpdir(), "msb-real-images-")) : process.env.MSB_HOME!
process.env.MSB_HOME = home
const work = join(home, "work")
mkdirSync(work, { recursive: true })
if (available) afterAll(() => rmSync(home, { recursive: true, force: true }))

const tag = "effect-msb-test/app:1.0"
const app = dockerArchive({
  tags: [tag],
  files: { "app/hello.txt": "hello from a hand-made image\n" },
  env: ["PATH=/bin", "GREETING=hi"],
  cmd: ["/bin/sh"],
  workingDir: "/app"
})
const appPath = join(work, "app.tar")
writeFileSync(appPath, app.archive)

/** Makes a sandbox and lets its scope end; a failed boot still leaves the record. */
const createThenLeave = (name: string, ...options: ReadonlyArray<SandboxConfig.Option>) =>
  Effect.scoped(Sandbox.make(name, ...options)).pipe(
    Effect.either,
    Effect.zipRight(Sandbox.get(name))
  )

describe.skipIf(!available)(
  `images and snapshots on the real runtime${available ? "" : ` (skipped: ${real.reason})`}`,
  () => {
    layer(Microsandbox.layer({ libraryPath }), { timeout: 120_000, excludeTestServices: true })((it) => {
      it.effect("load, list, get, inspect: the references and digests of the hand-made archive", () =>
        Effect.gen(function*() {
          const loaded = yield* Image.load(appPath, { tags: ["effect-msb-test/app:extra"] })
          expect(loaded.map((i) => i.reference).sort()).toEqual([tag, "effect-msb-test/app:extra"].sort())
          const listed = (yield* Image.list).map((i) => i.reference)
          expect(listed).toContain(tag)
          const info = yield* Image.get(tag)
          expect(info.layerCount).toBe(1)
          expect(Option.isSome(info.manifestDigest)).toBe(true)
          // Reported, not asserted strictly: the synthesised manifest's digest rule.
          console.log(
            `real manifest digest ${
              Option.getOrUndefined(info.manifestDigest)
            }; sorted-keys rule gives ${app.manifestDigest}`
          )
          const detail = yield* Image.inspect(tag)
          expect(Option.map(detail.config, (c) => c.digest)).toEqual(Option.some(app.configDigest))
          expect(detail.layers.map((l) => l.diffId)).toEqual([app.layerDigest])
          expect(detail.layers.map((l) => l.blobDigest)).toEqual([app.layerDigest])
          expect(Option.flatMap(detail.config, (c) => c.workingDir)).toEqual(Option.some("/app"))
          expect((yield* Effect.flip(Image.get("effect-msb-test/none:1")))._tag).toBe("ImageNotFound")
        }))

      it.effect("save as docker and OCI archives", () =>
        Effect.gen(function*() {
          const docker = join(work, "saved-docker.tar")
          yield* Image.save(tag, docker)
          const manifest = JSON.parse(
            untar(readFileSync(docker)).find((e) => e.name === "manifest.json")!.data.toString()
          )
          expect(manifest[0].RepoTags).toEqual([tag])
          const oci = join(work, "saved-oci.tar")
          yield* Image.save([tag], oci, { format: "oci" })
          expect(untar(readFileSync(oci)).map((e) => e.name)).toContain("index.json")
          const again = yield* Image.load(docker)
          expect(again.map((i) => i.reference)).toEqual([tag])
        }))

      it.effect("a record from the loaded image can be snapshotted; the snapshot operations work on it", () =>
        Effect.gen(function*() {
          const name = `effect-msb-snap-src-${process.pid}`
          const handle = yield* createThenLeave(
            name,
            SandboxConfig.image(tag),
            SandboxConfig.pullPolicy("never")
          )
          expect(["stopped", "crashed"]).toContain(handle.status)
          const artifact = yield* handle.snapshot("real-first")
          expect(artifact.imageRef).toBe(tag)
          expect(artifact.scope).toBe("disk")
          expect(artifact.stateKind).toBe("file")
          expect(artifact.sourceSandbox).toEqual(Option.some(name))
          const opened = yield* Snapshot.open("real-first")
          expect(opened.digest).toBe(artifact.digest)
          expect((yield* Snapshot.verify(opened)).upper).toEqual({ kind: "not_recorded" })
          const record = yield* Snapshot.get("real-first")
          expect(record.digest).toBe(artifact.digest)
          expect((yield* Snapshot.list).map((r) => r.digest)).toContain(artifact.digest)
          const withIntegrity = yield* Snapshot.create(name, {
            name: "real-integrity",
            destination: join(work, "snapshots"),
            recordIntegrity: true,
            labels: { suite: "real" }
          })
          expect(withIntegrity.labels).toEqual({ suite: "real" })
          expect(Option.isSome(withIntegrity.upperIntegrityAlgorithm)).toBe(true)
          expect((yield* Snapshot.verify(withIntegrity)).upper.kind).toBe("verified")
          expect((yield* Snapshot.listDir(join(work, "snapshots"))).map((a) => a.digest)).toEqual([
            withIntegrity.digest
          ])
          expect((yield* Effect.flip(handle.snapshot("real-first")))._tag).toBe("SnapshotAlreadyExists")
          const archive = join(work, "real-first.tar")
          yield* Snapshot.exportArchive("real-first", archive, { plainTar: true })
          const imported = yield* Snapshot.importArchive(archive, { destination: join(work, "imported") })
          expect(imported.digest).toBe(artifact.digest)
          // The index holds one row per digest: the import superseded the original's row.
          yield* Snapshot.remove(imported.path)
          yield* Snapshot.remove(artifact)
          expect((yield* Effect.flip(Snapshot.get("real-first")))._tag).toBe("SnapshotNotFound")
          expect((yield* Effect.flip(Snapshot.open("real-first")))._tag).toBe("SnapshotNotFound")
          yield* Snapshot.remove(withIntegrity)
          yield* Sandbox.remove(name)
        }))

      it.effect("a sandbox rooted in a host folder cannot be snapshotted", () =>
        Effect.gen(function*() {
          const root = join(work, "rootfs")
          mkdirSync(root, { recursive: true })
          const name = `effect-msb-snap-bind-${process.pid}`
          const handle = yield* createThenLeave(name, SandboxConfig.image(root))
          const error = yield* Effect.flip(handle.snapshot("bind"))
          expect(error._tag).toBe("InvalidConfig")
          expect(error.message).toContain(
            "has no OCI image pinned; only OCI-rooted sandboxes can be snapshotted"
          )
          yield* Sandbox.remove(name)
        }))

      it.effect("malformed archives are Internal with the runtime's image error texts", () =>
        Effect.gen(function*() {
          const none = join(work, "none.tar")
          writeFileSync(none, tar([{ name: "hello.txt", data: "hi" }]))
          const noManifest = yield* Effect.flip(Image.load(none))
          expect(noManifest._tag).toBe("Internal")
          expect(noManifest.message).toBe(
            "image error: manifest parse error: archive missing manifest.json or oci-layout"
          )
          const missing = yield* Effect.flip(Image.load(join(work, "absent.tar")))
          expect(missing._tag).toBe("Internal")
          expect((yield* Effect.flip(Image.save("effect-msb-test/none:1", join(work, "x.tar"))))._tag).toBe(
            "ImageNotFound"
          )
        }))

      it.effect("interrupting a long load cancels the native call; the library stays usable", () =>
        Effect.gen(function*() {
          // A layer large enough that hashing and unpacking it takes a while.
          const big = dockerArchive({
            tags: ["effect-msb-test/big:1"],
            files: { "big.bin": "x".repeat(96 * 1024 * 1024) }
          })
          const bigPath = join(work, "big.tar")
          writeFileSync(bigPath, big.archive)
          const fiber = yield* Effect.fork(Image.load(bigPath))
          yield* Effect.sleep("50 millis")
          yield* Fiber.interrupt(fiber)
          expect(Exit.isInterrupted(yield* Fiber.await(fiber))).toBe(true)
          const listed = yield* Image.list
          expect(listed.map((i) => i.reference)).toContain(tag)
        }))

      it.effect("remove and prune", () =>
        Effect.gen(function*() {
          const other = dockerArchive({ tags: ["effect-msb-test/other:1"], files: { "o.txt": "o" } })
          const otherPath = join(work, "other.tar")
          writeFileSync(otherPath, other.archive)
          yield* Image.load(otherPath)
          yield* Image.remove("effect-msb-test/app:extra")
          expect((yield* Effect.flip(Image.get("effect-msb-test/app:extra")))._tag).toBe("ImageNotFound")
          const report = yield* Image.prune
          expect(report.imageRefsRemoved).toBeGreaterThanOrEqual(1)
          expect((yield* Effect.flip(Image.get("effect-msb-test/other:1")))._tag).toBe("ImageNotFound")
          yield* Image.remove(tag, { force: true }).pipe(Effect.catchTag("ImageNotFound", () => Effect.void))
          expect((yield* Image.list).map((i) => i.reference)).not.toContain(tag)
        }))
    })
  }
)
