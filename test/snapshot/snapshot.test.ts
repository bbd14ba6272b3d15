// Snapshots against the runtime double: SandboxHandle.snapshot/snapshotTo, every
// operation of the Snapshot module, its errors, interruption, and booting from one.
import { afterAll, describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as Snapshot from "../../src/Snapshot.js"
import * as Double from "../support/double.js"

const dir = mkdtempSync(join(tmpdir(), "msb-snapshot-test-"))
const home = () => process.env.MSB_HOME!

/** A stopped OCI-rooted sandbox whose root holds /app/state.txt. */
const stoppedSandbox = (name: string, content: string) =>
  Effect.scoped(
    Effect.gen(function*() {
      const sb = yield* Sandbox.make(name, SandboxConfig.image("alpine"))
      yield* sb.fs.write("/app/state.txt", content)
    })
  )

afterAll(() => {
  expect(Double.outstanding()).toEqual(Double.nothingOutstanding)
  rmSync(dir, { recursive: true, force: true })
})

describe("Snapshot", () => {
  layer(Double.layer(), { excludeTestServices: true })((it) => {
    it.effect("handle.snapshot(name) captures a stopped sandbox into the default directory", () =>
      Effect.gen(function*() {
        yield* stoppedSandbox("snap-src", "before snapshot\n")
        const handle = yield* Sandbox.get("snap-src")
        expect(handle.status).toBe("stopped")
        const artifact = yield* handle.snapshot("first")
        expect(artifact.path).toBe(join(home(), "snapshots", "first"))
        expect(artifact.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
        expect(artifact.imageRef).toBe("alpine")
        expect(artifact.imageManifestDigest).toMatch(/^sha256:/)
        expect(artifact.scope).toBe("disk")
        expect(artifact.stateKind).toBe("file")
        expect(artifact.format).toEqual(Option.some("raw"))
        expect(artifact.sourceSandbox).toEqual(Option.some("snap-src"))
        expect(artifact.upperIntegrityAlgorithm).toEqual(Option.none())
        expect(Option.getOrElse(artifact.sizeBytes, () => 0)).toBeGreaterThan(0)
        // open reads the same artefact back; the descriptor's digest is stable.
        const opened = yield* Snapshot.open("first")
        expect(opened.digest).toBe(artifact.digest)
        expect(opened.createdAt.getTime()).toBe(artifact.createdAt.getTime())
        // The artefact is a Schema type whose encoded form is the runtime's document.
        const encoded = yield* Schema.encode(Snapshot.SnapshotArtifact)(opened)
        expect(encoded).toMatchObject({ image_ref: "alpine", state_kind: "file", scope: "disk" })
      }))

    it.effect("a running sandbox is SnapshotSandboxRunning; an unknown one SandboxNotFound", () =>
      Effect.gen(function*() {
        const error = yield* Effect.scoped(
          Effect.gen(function*() {
            yield* Sandbox.make("snap-running", SandboxConfig.image("alpine"))
            return yield* Effect.flip(Snapshot.create("snap-running", { name: "never" }))
          })
        )
        expect(error._tag).toBe("SnapshotSandboxRunning")
        expect((yield* Effect.flip(Snapshot.create("no-such-sandbox", { name: "x" })))._tag).toBe(
          "SandboxNotFound"
        )
      }))

    it.effect("a sandbox rooted in a host folder cannot be snapshotted (invalid_config)", () =>
      Effect.gen(function*() {
        const root = join(dir, "bind-root")
        mkdirSync(root, { recursive: true })
        yield* Effect.scoped(Sandbox.make("snap-bind", SandboxConfig.image(root)))
        const error = yield* Effect.flip((yield* Sandbox.get("snap-bind")).snapshot("bind"))
        expect(error._tag).toBe("InvalidConfig")
        expect(error.message).toContain(
          "has no OCI image pinned; only OCI-rooted sandboxes can be snapshotted"
        )
      }))

    it.effect("create: destination, labels, integrity record; verify; SnapshotAlreadyExists unless forced", () =>
      Effect.gen(function*() {
        const dest = join(dir, "custom")
        const artifact = yield* Snapshot.create("snap-src", {
          name: "labelled",
          destination: dest,
          labels: { stage: "build" },
          recordIntegrity: true
        })
        expect(artifact.path).toBe(join(dest, "labelled"))
        expect(artifact.labels).toEqual({ stage: "build" })
        expect(artifact.upperIntegrityAlgorithm).toEqual(Option.some("sha256"))
        const report = yield* Snapshot.verify(artifact)
        expect(report.digest).toBe(artifact.digest)
        expect(report.upper).toEqual({
          kind: "verified",
          algorithm: "sha256",
          digest: Option.getOrThrow(artifact.upperIntegrityDigest)
        })
        expect((yield* Snapshot.verify("first")).upper).toEqual({ kind: "not_recorded" })
        const exists = yield* Effect.flip(
          Snapshot.create("snap-src", { name: "labelled", destination: dest })
        )
        expect(exists._tag).toBe("SnapshotAlreadyExists")
        const replaced = yield* Effect.succeed("snap-src").pipe(
          Effect.flatMap(Snapshot.create({ name: "labelled", destination: dest, force: true }))
        )
        expect(replaced.labels).toEqual({})
        expect(replaced.path).toBe(artifact.path)
      }))

    it.effect("verify fails with SnapshotIntegrity when the upper changed; open when its size did", () =>
      Effect.gen(function*() {
        const artifact = yield* Snapshot.create("snap-src", {
          name: "tampered",
          destination: join(dir, "tamper"),
          recordIntegrity: true
        })
        const upper = join(artifact.path, Option.getOrThrow(artifact.upperFile))
        const bytes = readFileSync(upper)
        bytes[0] = bytes[0]! ^ 0xff
        writeFileSync(upper, bytes)
        expect((yield* Effect.flip(Snapshot.verify(artifact.path)))._tag).toBe("SnapshotIntegrity")
        writeFileSync(upper, Buffer.concat([bytes, Buffer.from("more")]))
        expect((yield* Effect.flip(Snapshot.open(artifact.path)))._tag).toBe("SnapshotIntegrity")
        // By path, remove opens the artefact first (and fails as open does); by digest it goes
        // through the index.
        expect((yield* Effect.flip(Snapshot.remove(artifact.path)))._tag).toBe("SnapshotIntegrity")
        yield* Snapshot.remove(artifact.digest)
        expect((yield* Effect.flip(Snapshot.get(artifact.digest)))._tag).toBe("SnapshotNotFound")
      }))

    it.effect("resumable snapshots are UnsupportedOperation; bad names are refused before the runtime", () =>
      Effect.gen(function*() {
        expect((yield* Effect.flip(Snapshot.create("snap-src", { name: "r", resumable: true })))._tag).toBe(
          "UnsupportedOperation"
        )
        const before = Double.counters().calls.msb_snapshot_create ?? 0
        for (const name of ["", "a/b", "sha256:x", ".hidden", "~home", "nul\u0000"]) {
          const error = yield* Effect.flip(Snapshot.create("snap-src", { name }))
          expect(error._tag).toBe("InvalidConfig")
          if (error._tag === "InvalidConfig") expect(error.field).toBe("name")
        }
        expect((yield* Effect.flip(Snapshot.create("", { name: "ok" })))._tag).toBe("InvalidConfig")
        expect((yield* Effect.flip(Snapshot.open("")))._tag).toBe("InvalidArgument")
        expect(Double.counters().calls.msb_snapshot_create ?? 0).toBe(before)
      }))

    it.effect("get by name, digest and path; list newest first; listDir; SnapshotNotFound", () =>
      Effect.gen(function*() {
        const first = yield* Snapshot.open("first")
        const byName = yield* Snapshot.get("first")
        expect(byName.digest).toBe(first.digest)
        expect(byName.name).toEqual(Option.some("first"))
        expect(byName.imageRef).toBe("alpine")
        expect(byName.locality).toBe("embedded")
        expect(byName.availability).toBe("ready")
        expect(byName.path).toBe(first.path)
        expect((yield* Snapshot.get(first.digest)).path).toBe(first.path)
        expect((yield* Snapshot.get(first.path)).digest).toBe(first.digest)
        // A record and a handle stand for their snapshot and sandbox.
        expect((yield* Snapshot.verify(byName)).digest).toBe(first.digest)
        const viaHandle = yield* Snapshot.create(yield* Sandbox.get("snap-src"), {
          name: "via-handle",
          destination: join(dir, "via-handle")
        })
        expect(viaHandle.sourceSandbox).toEqual(Option.some("snap-src"))
        yield* Snapshot.remove(viaHandle)
        const second = yield* (yield* Sandbox.get("snap-src")).snapshot("second")
        const listed = yield* Snapshot.list
        const names = listed.map((r) => Option.getOrElse(r.name, () => ""))
        expect(names.indexOf("second")).toBeLessThan(names.indexOf("first"))
        expect(listed.find((r) => r.digest === second.digest)).toBeDefined()
        const inDir = yield* Snapshot.listDir(join(home(), "snapshots"))
        expect(inDir.map((a) => a.digest).sort()).toEqual([first.digest, second.digest].sort())
        expect(yield* Snapshot.listDir(join(dir, "does-not-exist"))).toEqual([])
        expect((yield* Effect.flip(Snapshot.get("nope")))._tag).toBe("SnapshotNotFound")
        expect((yield* Effect.flip(Snapshot.open("nope")))._tag).toBe("SnapshotNotFound")
        expect((yield* Effect.flip(Snapshot.remove("nope")))._tag).toBe("SnapshotNotFound")
      }))

    it.effect("remove deletes the artefact and its record; reindex finds artefacts put in place by hand", () =>
      Effect.gen(function*() {
        const second = yield* Snapshot.get("second")
        const copies = join(dir, "copies")
        mkdirSync(copies, { recursive: true })
        cpSync(second.path, join(copies, "copied"), { recursive: true })
        yield* Snapshot.remove(second)
        expect((yield* Effect.flip(Snapshot.get("second")))._tag).toBe("SnapshotNotFound")
        expect((yield* Effect.flip(Snapshot.open("second")))._tag).toBe("SnapshotNotFound")
        expect((yield* Effect.flip(Snapshot.get(join(copies, "copied"))))._tag).toBe("SnapshotNotFound")
        expect(yield* Snapshot.reindex(copies)).toBe(1)
        const copied = yield* Snapshot.get("copied")
        expect(copied.path).toBe(join(copies, "copied"))
        yield* Effect.succeed(copied).pipe(Effect.flatMap(Snapshot.remove({ force: true })))
      }))

    it.effect("handle.snapshotTo(path) puts the artefact at that path", () =>
      Effect.gen(function*() {
        const path = join(dir, "to", "exact-place")
        const artifact = yield* (yield* Sandbox.get("snap-src")).snapshotTo(path)
        expect(artifact.path).toBe(path)
        expect((yield* Snapshot.open(path)).digest).toBe(artifact.digest)
      }))

    it.effect("export to an archive and import it elsewhere; a second import is SnapshotAlreadyExists", () =>
      Effect.gen(function*() {
        const archive = join(dir, "first.tar")
        yield* Snapshot.exportArchive("first", archive, { plainTar: true })
        const elsewhere = join(dir, "imported")
        const record = yield* Snapshot.importArchive(archive, { destination: elsewhere })
        const original = yield* Snapshot.open("first")
        // Unpacked under its digest, as the real runtime names imports.
        expect(record.path).toBe(join(elsewhere, original.digest.slice("sha256:".length)))
        expect(record.name).toEqual(Option.some(original.digest.slice("sha256:".length)))
        expect(record.digest).toBe(original.digest)
        expect((yield* Snapshot.open(record.path)).digest).toBe(original.digest)
        const again = yield* Effect.flip(Snapshot.importArchive(archive, { destination: elsewhere }))
        expect(again._tag).toBe("SnapshotAlreadyExists")
        // withImage needs the pinned image in the cache (nothing was loaded here).
        const noImage = yield* Effect.flip(
          Effect.succeed("first").pipe(
            Effect.flatMap(Snapshot.exportArchive(join(dir, "img.tar"), { withImage: true }))
          )
        )
        expect(noImage._tag).toBe("Internal")
      }))

    it.effect("SandboxConfig.fromSnapshot boots a sandbox with the captured state", () =>
      Effect.gen(function*() {
        const artifact = yield* Snapshot.open("first")
        const content = yield* Effect.scoped(
          Effect.gen(function*() {
            const fork = yield* Sandbox.make("snap-fork", SandboxConfig.fromSnapshot(artifact))
            return yield* fork.fs.readString("/app/state.txt")
          })
        )
        expect(content).toBe("before snapshot\n")
        const info = yield* Sandbox.get("snap-fork")
        expect(JSON.parse(info.configJson).manifest_digest).toBe(artifact.imageManifestDigest)
        const byName = yield* Effect.scoped(
          Effect.flatMap(
            Sandbox.make("snap-fork-2", SandboxConfig.fromSnapshot("first")),
            (sb) => sb.fs.readString("/app/state.txt")
          )
        )
        expect(byName).toBe("before snapshot\n")
        const missing = yield* Effect.flip(
          Effect.scoped(Sandbox.make("snap-fork-3", SandboxConfig.fromSnapshot("no-such-snapshot")))
        )
        expect(missing._tag).toBe("SnapshotNotFound")
      }))

    it.effect("interrupting a create cancels the native call and leaves nothing registered", () =>
      Effect.gen(function*() {
        yield* Double.fault({ fn: "msb_snapshot_create", block: true, count: 1 })
        const fiber = yield* Effect.fork(Snapshot.create("snap-src", { name: "interrupted" }))
        expect(yield* Double.eventually(() => (Double.counters().in_flight.msb_snapshot_create ?? 0) === 1))
          .toBe(true)
        yield* Fiber.interrupt(fiber)
        expect(Exit.isInterrupted(yield* Fiber.await(fiber))).toBe(true)
        const c = Double.counters()
        expect(c.in_flight.msb_snapshot_create ?? 0).toBe(0)
        expect(c.cancel_ids.registered).toBe(0)
        expect((yield* Effect.flip(Snapshot.open("interrupted")))._tag).toBe("SnapshotNotFound")
      }))

    it.effect("interrupting an export cancels it too", () =>
      Effect.gen(function*() {
        yield* Double.fault({ fn: "msb_snapshot_export", block: true, count: 1 })
        const fiber = yield* Effect.fork(Snapshot.exportArchive("first", join(dir, "never.tar")))
        expect(yield* Double.eventually(() => (Double.counters().in_flight.msb_snapshot_export ?? 0) === 1))
          .toBe(true)
        yield* Fiber.interrupt(fiber)
        expect(Double.counters().in_flight.msb_snapshot_export ?? 0).toBe(0)
        expect(Double.counters().cancel_ids.registered).toBe(0)
      }))
  })
})
