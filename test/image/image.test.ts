// The Image module against the runtime double, with archives this test builds itself.
import { afterAll, describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Image from "../../src/Image.js"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as Double from "../support/double.js"
import { dockerArchive, ociArchive, sha256, tar, untar } from "../support/tar.js"

const dir = mkdtempSync(join(tmpdir(), "msb-image-test-"))
const write = (name: string, data: Buffer) => {
  const path = join(dir, name)
  writeFileSync(path, data)
  return path
}

const app = dockerArchive({
  tags: ["effect-test/app:1.0"],
  files: { "app/hello.txt": "hello from a hand-made image\n" },
  env: ["PATH=/bin", "GREETING=hi"],
  cmd: ["/app/run"],
  workingDir: "/app",
  labels: { "org.example": "yes" }
})
const appPath = write("app.tar", app.archive)
const encodeDetail = Schema.encode(Image.ImageDetail)

afterAll(() => {
  expect(Double.outstanding()).toEqual(Double.nothingOutstanding)
  rmSync(dir, { recursive: true, force: true })
})

describe("Image", () => {
  layer(Double.layer(), { excludeTestServices: true })((it) => {
    it.effect("loads a docker save archive: references, digests, sizes; extra tags apply to the first image", () =>
      Effect.gen(function*() {
        const loaded = yield* Image.load(appPath, { tags: ["effect-test/app:latest"] })
        expect(loaded.map((i) => i.reference)).toEqual(["effect-test/app:1.0", "effect-test/app:latest"])
        for (const info of loaded) {
          expect(info.manifestDigest).toEqual(Option.some(app.manifestDigest))
          expect(info.layerCount).toBe(1)
          expect(info.sizeBytes).toEqual(Option.some(app.layer.length))
          expect(info.architecture).toEqual(Option.some("amd64"))
          expect(info.os).toEqual(Option.some("linux"))
          expect(Option.isSome(info.createdAt)).toBe(true)
        }
        const got = yield* Image.get("effect-test/app:1.0")
        expect(got.reference).toBe("effect-test/app:1.0")
        expect(got.manifestDigest).toEqual(Option.some(app.manifestDigest))
      }))

    it.effect("inspect: the config and the layer digests of the archive", () =>
      Effect.gen(function*() {
        const detail = yield* Image.inspect("effect-test/app:1.0")
        const config = Option.getOrThrow(detail.config)
        expect(config.digest).toBe(app.configDigest)
        expect(config.env).toEqual(["PATH=/bin", "GREETING=hi"])
        expect(config.cmd).toEqual(Option.some(["/app/run"]))
        expect(config.entrypoint).toEqual(Option.none())
        expect(config.workingDir).toEqual(Option.some("/app"))
        expect(config.labels).toEqual(Option.some({ "org.example": "yes" }))
        expect(detail.layers).toHaveLength(1)
        const layer = detail.layers[0]!
        expect(layer.diffId).toBe(app.layerDigest)
        expect(layer.blobDigest).toBe(app.layerDigest)
        expect(layer.mediaType).toEqual(Option.some("application/vnd.oci.image.layer.v1.tar"))
        expect(layer.compressedSizeBytes).toEqual(Option.some(app.layer.length))
        expect(layer.position).toBe(0)
        // The detail is a Schema type: it encodes back to the runtime's document.
        const encoded = yield* encodeDetail(detail)
        expect(encoded).toMatchObject({ reference: "effect-test/app:1.0", layer_count: 1 })
      }))

    it.effect("list is newest first", () =>
      Effect.gen(function*() {
        const b = dockerArchive({ tags: ["effect-test/b:1"], files: { "b.txt": "b" } })
        const c = dockerArchive({ tags: ["effect-test/c:1"], files: { "c.txt": "c" } })
        yield* Image.load(write("b.tar", b.archive))
        yield* Image.load(write("c.tar", c.archive))
        const refs = (yield* Image.list).map((i) => i.reference)
        expect(refs.indexOf("effect-test/c:1")).toBeLessThan(refs.indexOf("effect-test/b:1"))
        expect(refs.indexOf("effect-test/b:1")).toBeLessThan(refs.indexOf("effect-test/app:1.0"))
      }))

    it.effect("loads an OCI image layout (named by its ref-name annotation)", () =>
      Effect.gen(function*() {
        const oci = ociArchive({ tags: ["effect-test/oci:2"], files: { "etc/motd": "oci\n" } })
        const info = (yield* Image.load(write("oci.tar", oci.archive)))[0]!
        expect(info.reference).toBe("effect-test/oci:2")
        expect(info.manifestDigest).toEqual(Option.some(oci.manifestDigest))
        const detail = yield* Image.inspect(info)
        expect(detail.layers.map((l) => l.diffId)).toEqual([oci.layerDigest])
      }))

    it.effect("saves docker and OCI archives that load again", () =>
      Effect.gen(function*() {
        const dockerOut = join(dir, "saved-docker.tar")
        yield* Image.save("effect-test/app:1.0", dockerOut)
        const entries = untar(readFileSync(dockerOut))
        const manifest = JSON.parse(entries.find((e) => e.name === "manifest.json")!.data.toString())
        expect(manifest[0].RepoTags).toEqual(["effect-test/app:1.0"])
        const ociOut = join(dir, "saved-oci.tar")
        yield* Effect.succeed(["effect-test/app:1.0", "effect-test/b:1"]).pipe(
          Effect.flatMap(Image.save(ociOut, { format: "oci" }))
        )
        const names = untar(readFileSync(ociOut)).map((e) => e.name)
        expect(names).toContain("oci-layout")
        expect(names).toContain("index.json")
        // Round trip: remove, then load the saved archive.
        yield* Image.remove("effect-test/b:1")
        const again = yield* Image.load(ociOut)
        expect(again.map((i) => i.reference).sort()).toEqual(["effect-test/app:1.0", "effect-test/b:1"])
        const back = yield* Image.load(dockerOut)
        expect(back.map((i) => i.reference)).toEqual(["effect-test/app:1.0"])
      }))

    it.effect("remove: ImageNotFound afterwards; ImageInUse while a sandbox uses it, unless forced", () =>
      Effect.gen(function*() {
        const d = dockerArchive({ tags: ["effect-test/used:1"], files: { "u.txt": "u" } })
        yield* Image.load(write("used.tar", d.archive))
        yield* Effect.scoped(
          Effect.gen(function*() {
            yield* Sandbox.make("img-user", SandboxConfig.image("effect-test/used:1"))
            const inUse = yield* Effect.flip(Image.remove("effect-test/used:1"))
            expect(inUse._tag).toBe("ImageInUse")
          })
        )
        // A stopped sandbox's record still uses it.
        expect((yield* Effect.flip(Image.remove("effect-test/used:1")))._tag).toBe("ImageInUse")
        yield* Effect.succeed("effect-test/used:1").pipe(Effect.flatMap(Image.remove({ force: true })))
        expect((yield* Effect.flip(Image.get("effect-test/used:1")))._tag).toBe("ImageNotFound")
        expect((yield* Effect.flip(Image.inspect("effect-test/used:1")))._tag).toBe("ImageNotFound")
        expect((yield* Effect.flip(Image.remove("effect-test/used:1")))._tag).toBe("ImageNotFound")
        expect((yield* Effect.flip(Image.save(["effect-test/used:1"], join(dir, "x.tar"))))._tag).toBe(
          "ImageNotFound"
        )
        yield* Sandbox.remove("img-user")
      }))

    it.effect("a create whose boot failed pins nothing: the image is not in use (as the real runtime)", () =>
      Effect.gen(function*() {
        const d = dockerArchive({ tags: ["effect-test/unbooted:1"], files: { "n.txt": "n" } })
        yield* Image.load(write("unbooted.tar", d.archive))
        yield* Double.configure({ boot_fail: "sandbox process exited before agent relay became available" })
        const failed = yield* Effect.either(
          Effect.scoped(Sandbox.make("img-unbooted", SandboxConfig.image("effect-test/unbooted:1")))
        )
        yield* Double.configure({ boot_fail: null })
        expect(failed._tag).toBe("Left")
        expect((yield* Sandbox.get("img-unbooted")).status).toBe("stopped")
        yield* Image.remove("effect-test/unbooted:1")
        yield* Sandbox.remove("img-unbooted")
      }))

    it.effect("prune removes what no sandbox uses and reports it", () =>
      Effect.gen(function*() {
        const kept = dockerArchive({ tags: ["effect-test/kept:1"], files: { "k.txt": "k" } })
        yield* Image.load(write("kept.tar", kept.archive))
        yield* Effect.scoped(Sandbox.make("img-keeper", SandboxConfig.image("effect-test/kept:1")))
        const before = (yield* Image.list).length
        const report = yield* Image.prune
        const after = yield* Image.list
        expect(after.map((i) => i.reference)).toEqual(["effect-test/kept:1"])
        expect(report.imageRefsRemoved).toBe(before - 1)
        expect(report.manifestsRemoved).toBeGreaterThan(0)
        expect(report.layersRemoved).toBeGreaterThan(0)
        expect(Option.getOrElse(report.bytesReclaimed, () => 0)).toBeGreaterThan(0)
        const empty = yield* Image.prune
        expect(empty.imageRefsRemoved).toBe(0)
        expect(empty.bytesReclaimed).toEqual(Option.none())
        yield* Sandbox.remove("img-keeper")
      }))

    it.effect("malformed archives fail with the runtime's kind (internal) and load nothing", () =>
      Effect.gen(function*() {
        const count = (yield* Image.list).length
        const noManifest = write("none.tar", tar([{ name: "hello.txt", data: "hi" }]))
        const wrongDigest = write(
          "wrong.tar",
          tar([
            { name: `blobs/sha256/${sha256("config")}`, data: app.config },
            { name: `blobs/sha256/${"0".repeat(64)}`, data: app.layer },
            {
              name: "manifest.json",
              data: JSON.stringify([{
                Config: `blobs/sha256/${sha256("config")}`,
                RepoTags: ["effect-test/wrong:1"],
                Layers: [`blobs/sha256/${"0".repeat(64)}`]
              }])
            }
          ])
        )
        const untagged = write(
          "untagged.tar",
          tar([
            { name: "c.json", data: app.config },
            { name: "l.tar", data: app.layer },
            {
              name: "manifest.json",
              data: JSON.stringify([{ Config: "c.json", RepoTags: null, Layers: ["l.tar"] }])
            }
          ])
        )
        for (const path of [noManifest, wrongDigest, untagged, join(dir, "missing.tar")]) {
          const error = yield* Effect.flip(Image.load(path))
          expect(error._tag).toBe("Internal")
        }
        expect((yield* Image.list).length).toBe(count)
      }))

    it.effect("arguments are checked before the runtime is called", () =>
      Effect.gen(function*() {
        const calls = () => {
          const c = Double.counters().calls
          return Object.entries(c).filter(([k]) => k.startsWith("msb_image_")).reduce((a, [, v]) => a + v, 0)
        }
        const before = calls()
        const errors = [
          yield* Effect.flip(Image.get("")),
          yield* Effect.flip(Image.inspect("bad\u0000ref")),
          yield* Effect.flip(Image.remove("")),
          yield* Effect.flip(Image.load("")),
          yield* Effect.flip(Image.load(appPath, { tags: [""] })),
          yield* Effect.flip(Image.save([], join(dir, "none.tar"))),
          yield* Effect.flip(
            Image.save("effect-test/app:1.0", join(dir, "fmt.tar"), { format: "zip" as "oci" })
          )
        ]
        expect(errors.map((e) => e._tag)).toEqual(Array(7).fill("InvalidArgument"))
        expect(calls()).toBe(before)
      }))

    it.effect("interrupting a load cancels the native call and leaves nothing registered", () =>
      Effect.gen(function*() {
        yield* Double.fault({ fn: "msb_image_load", block: true, count: 1 })
        const fiber = yield* Effect.fork(Image.load(appPath))
        expect(yield* Double.eventually(() => (Double.counters().in_flight.msb_image_load ?? 0) === 1)).toBe(
          true
        )
        yield* Fiber.interrupt(fiber)
        const c = Double.counters()
        expect(c.in_flight.msb_image_load ?? 0).toBe(0)
        expect(c.cancel_ids.registered).toBe(0)
        expect(c.strings.outstanding).toBe(0)
        const exit = yield* Fiber.await(fiber)
        expect(Exit.isInterrupted(exit)).toBe(true)
      }))

    it.effect("interrupting a save cancels it too", () =>
      Effect.gen(function*() {
        yield* Double.fault({ fn: "msb_image_save", block: true, count: 1 })
        const fiber = yield* Effect.fork(Image.save("effect-test/app:1.0", join(dir, "interrupted.tar")))
        expect(yield* Double.eventually(() => (Double.counters().in_flight.msb_image_save ?? 0) === 1)).toBe(
          true
        )
        yield* Fiber.interrupt(fiber)
        expect(Double.counters().in_flight.msb_image_save ?? 0).toBe(0)
        expect(Double.counters().cancel_ids.registered).toBe(0)
      }))
  })
})
