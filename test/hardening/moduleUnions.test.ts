// Issue 10, "Errors": the failures the Volume, Image, Snapshot, Modification, Ssh and
// SandboxPool operations actually produce fall inside the union their signature declares.
// The double answers each export with every error kind the runtime knows (and one it
// does not): a kind the operation declares comes through as its class, any other as
// `Internal` carrying the original as its `cause`. A failure outside the declared union
// fails the test.
import { afterAll, describe, expect, layer } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Image from "../../src/Image.js"
import { fromDocument } from "../../src/internal/errors.js"
import * as Errors from "../../src/MicrosandboxError.js"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as SandboxPool from "../../src/SandboxPool.js"
import * as Snapshot from "../../src/Snapshot.js"
import * as Volume from "../../src/Volume.js"
import * as Double from "../support/double.js"

const dir = mkdtempSync(join(tmpdir(), "msb-unions-test-"))

afterAll(() => {
  expect(Double.outstanding()).toEqual(Double.nothingOutstanding)
  rmSync(dir, { recursive: true, force: true })
})

class Box extends Context.Tag("test/UnionsBox")<Box, Sandbox.Sandbox>() {}
const BoxLive = Sandbox.layer(
  Box,
  "unions-box",
  SandboxConfig.image("alpine"),
  SandboxConfig.shell("/bin/sh")
)

/** The one typed failure of an exit: fails the test on success, a defect or an interruption. */
const failureOf = (exit: Exit.Exit<unknown, unknown>, label: string): unknown => {
  if (Exit.isSuccess(exit)) throw new Error(`${label}: expected a failure, got a success`)
  const defects = [...Cause.defects(exit.cause)]
  if (defects.length > 0) throw new Error(`${label}: a defect: ${String(defects[0])}`)
  const failures = [...Cause.failures(exit.cause)]
  if (failures.length !== 1) {
    throw new Error(`${label}: expected one typed failure, got ${Cause.pretty(exit.cause)}`)
  }
  return failures[0]
}

const tagOf = (u: unknown): string =>
  typeof u === "object" && u !== null && "_tag" in u && typeof u._tag === "string" ? u._tag : String(u)

/** The tags a Schema union admits (read from its classes). */
const tagsOf = (union: Schema.Schema.Any): ReadonlySet<string> => {
  const tags = new Set<string>()
  for (const tag of Object.keys(Errors.runtimeKinds)) {
    const Class = Errors.runtimeKinds[tag as Errors.RuntimeKind]
    const sample = new Class({ message: "m", operation: "o", path: "/p" } as never)
    if (Schema.is(union)(sample)) tags.add(sample._tag)
  }
  return tags
}

/** Every runtime kind (but `cancelled`, which is interruption) and one no runtime sends. */
const kinds: ReadonlyArray<string> = [...Object.keys(Errors.runtimeKinds), "kind_from_the_future"]

/**
 * Injects every kind into `fn` in turn and runs `run`: each failure is inside `union`;
 * a kind the union declares keeps its class, any other is `Internal` with the original
 * as its cause.
 */
const everyKind = <R>(
  label: string,
  fn: string,
  union: Schema.Schema.Any,
  run: Effect.Effect<unknown, unknown, R>,
  options: { readonly writes?: boolean } = {}
) =>
  Effect.gen(function*() {
    const is = Schema.is(union)
    const declared = tagsOf(union)
    const seen: Array<string> = []
    for (const kind of kinds) {
      // A result that did not fit after its side effects were done is a bug report (a
      // defect), not an error: not injected into exports that write.
      if (kind === "buffer_too_small" && options.writes) continue
      yield* Double.fault({ fn, kind, message: `injected ${kind}`, count: 1 })
      const exit = yield* Effect.exit(run)
      yield* Double.clearFaults
      const error = failureOf(exit, `${label} with ${kind}`)
      expect({ label, kind, inUnion: is(error) }).toEqual({ label, kind, inUnion: true })
      expect(Errors.isMicrosandboxError(error)).toBe(true)
      const tag = tagOf(error)
      seen.push(tag)
      // What the kind decodes to before the operation narrows it.
      const original = fromDocument({ kind, message: "m" }, { operation: "o" })._tag
      if (declared.has(original) || original === "Unknown") {
        // A path kind may be refined by the operation (it knows the path).
        if (kind !== "path_not_found") expect([kind, tag]).toEqual([kind, original])
      } else {
        expect([kind, tag]).toEqual([kind, "Internal"])
        if (kind !== "internal") expect(tagOf((error as { cause?: unknown }).cause)).toBe(original)
      }
    }
    return seen
  })

describe("failures seen through the double fall inside each operation's declared union", () => {
  layer(Layer.provideMerge(BoxLive, Double.layer()), { excludeTestServices: true })((it) => {
    it.effect("Volume: create, get, list, remove and a file operation, with every error kind", () =>
      Effect.gen(function*() {
        const CreateError = Schema.Union(Errors.CallError, Errors.InvalidConfig, Errors.VolumeAlreadyExists)
        const GetError = Schema.Union(Errors.CallError, Errors.VolumeNotFound)
        const RemoveError = Schema.Union(Errors.CallError, Errors.VolumeNotFound, Errors.InvalidConfig)
        const created = yield* everyKind(
          "Volume.create",
          "msb_volume_create",
          CreateError,
          Volume.create("u-vol"),
          {
            writes: true
          }
        )
        expect(created).toContain("VolumeAlreadyExists")
        expect(created).not.toContain("VolumeNotFound")
        yield* everyKind("Volume.get", "msb_volume_get", GetError, Volume.get("u-vol"))
        yield* everyKind("Volume.list", "msb_volume_list", Errors.CallError, Volume.list)
        yield* everyKind("Volume.remove", "msb_volume_remove", RemoveError, Volume.remove("u-vol"), {
          writes: true
        })
        const volume = yield* Volume.create("u-vol")
        yield* volume.fs.write("a.txt", "a")
        const fsKinds = yield* everyKind(
          "Volume.read",
          "msb_volume_fs_op",
          Errors.VolumeFsError,
          volume.fs.read("a.txt")
        )
        expect(fsKinds).toContain("Filesystem")
        // Every union is also a member check of the whole: VolumeError admits them all.
        for (const s of [CreateError, GetError, RemoveError]) {
          for (const tag of tagsOf(s)) expect(tagsOf(Errors.VolumeError).has(tag)).toBe(true)
        }
        // The real failures, without injection.
        const taken = failureOf(yield* Effect.exit(Volume.create("u-vol")), "taken")
        expect([tagOf(taken), Schema.is(CreateError)(taken)]).toEqual(["VolumeAlreadyExists", true])
        const missing = failureOf(yield* Effect.exit(volume.fs.read("nope.txt")), "missing")
        expect([tagOf(missing), Schema.is(Errors.VolumeFsError)(missing)]).toEqual(["PathNotFound", true])
        const escaping = failureOf(yield* Effect.exit(volume.fs.read("../x")), "escaping")
        expect([tagOf(escaping), Schema.is(Errors.VolumeFsError)(escaping)]).toEqual([
          "InvalidArgument",
          true
        ])
        yield* volume.remove
        const gone = failureOf(yield* Effect.exit(Volume.get("u-vol")), "gone")
        expect([tagOf(gone), Schema.is(GetError)(gone)]).toEqual(["VolumeNotFound", true])
        const def = failureOf(yield* Effect.exit(Volume.getDefault), "default")
        expect([tagOf(def), Schema.is(GetError)(def)]).toEqual(["UnsupportedOperation", true])
      }))

    it.effect("Image: get, list, remove, with every error kind; the real not-found", () =>
      Effect.gen(function*() {
        const got = yield* everyKind("Image.get", "msb_image_get", Errors.ImageError, Image.get("alpine"))
        expect(got).toContain("ImageNotFound")
        expect(got).toContain("ImageInUse")
        yield* everyKind("Image.list", "msb_image_list", Errors.ImageError, Image.list)
        yield* everyKind("Image.remove", "msb_image_remove", Errors.ImageError, Image.remove("nothing:1"), {
          writes: true
        })
        const missing = failureOf(yield* Effect.exit(Image.inspect("nothing:1")), "inspect")
        expect([tagOf(missing), Schema.is(Errors.ImageError)(missing)]).toEqual(["ImageNotFound", true])
        const archive = join(dir, "not-an-archive.tar")
        writeFileSync(archive, "not a tar")
        const bad = failureOf(yield* Effect.exit(Image.load(archive)), "load")
        expect(Schema.is(Errors.ImageError)(bad)).toBe(true)
      }))

    it.effect("Snapshot: create, get, list, with every error kind; the real failures", () =>
      Effect.gen(function*() {
        const created = yield* everyKind(
          "Snapshot.create",
          "msb_snapshot_create",
          Errors.SnapshotError,
          Snapshot.create("unions-none", { name: "u-snap" }),
          { writes: true }
        )
        expect(created).toContain("SnapshotSandboxRunning")
        expect(created).not.toContain("ImageNotFound")
        yield* everyKind("Snapshot.get", "msb_snapshot_get", Errors.SnapshotError, Snapshot.get("u-snap"))
        yield* everyKind("Snapshot.list", "msb_snapshot_list", Errors.SnapshotError, Snapshot.list)
        const running = failureOf(
          yield* Effect.exit(Snapshot.create("unions-box", { name: "u-snap" })),
          "running"
        )
        expect([tagOf(running), Schema.is(Errors.SnapshotError)(running)]).toEqual([
          "SnapshotSandboxRunning",
          true
        ])
        const unknown = failureOf(
          yield* Effect.exit(Snapshot.create("unions-none", { name: "u-snap" })),
          "unknown"
        )
        expect([tagOf(unknown), Schema.is(Errors.SnapshotError)(unknown)]).toEqual(["SandboxNotFound", true])
        const missing = failureOf(yield* Effect.exit(Snapshot.open(join(dir, "nothing"))), "open")
        expect([tagOf(missing), Schema.is(Errors.SnapshotError)(missing)]).toEqual(["SnapshotNotFound", true])
        const handle = yield* Sandbox.get("unions-box")
        const byHandle = failureOf(yield* Effect.exit(handle.snapshot("u-snap")), "handle.snapshot")
        expect([tagOf(byHandle), Schema.is(Errors.SnapshotError)(byHandle)]).toEqual([
          "SnapshotSandboxRunning",
          true
        ])
      }))

    it.effect("Modification: by name and live, with every error kind", () =>
      Effect.gen(function*() {
        const sandbox = yield* Box
        const handle = yield* Sandbox.get("unions-box")
        const patch = { labels: { stage: "x" } }
        yield* everyKind(
          "SandboxHandle.modify",
          "msb_sandbox_handle_modify",
          Errors.ModifyError,
          handle.modify(patch, { dryRun: true }),
          { writes: true }
        )
        yield* everyKind(
          "Sandbox.modify",
          "msb_sandbox_modify",
          Errors.ModifyError,
          sandbox.modify(patch, { dryRun: true }),
          { writes: true }
        )
        const bad = failureOf(yield* Effect.exit(sandbox.modify({ cpus: -1 } as never)), "bad patch")
        expect([tagOf(bad), Schema.is(Errors.ModifyError)(bad)]).toEqual(["InvalidConfig", true])
      }))

    it.effect("Ssh: opening a client, with every error kind", () =>
      Effect.gen(function*() {
        const sandbox = yield* Box
        yield* everyKind(
          "Ssh.openClient",
          "msb_sandbox_ssh_connect",
          Errors.SshError,
          Effect.scoped(sandbox.ssh.openClient({ user: "root" })),
          { writes: true }
        )
      }))

    it.effect("SandboxPool: a pooled sandbox's boot failure is a LifecycleError; bad options InvalidConfig", () =>
      Effect.gen(function*() {
        for (const kind of ["image_not_found", "snapshot_migration", "metrics_disabled"]) {
          yield* Double.fault({ fn: "msb_sandbox_create", kind, message: `injected ${kind}`, count: 1 })
          const exit = yield* Effect.exit(Effect.scoped(
            Effect.flatMap(
              SandboxPool.make({
                size: 1,
                namePrefix: `u-pool-${kind.length}`,
                config: SandboxConfig.make(SandboxConfig.image("alpine"))
              }),
              (pool) => pool.ready
            )
          ))
          yield* Double.clearFaults
          const error = failureOf(exit, `pool with ${kind}`)
          expect(Schema.is(Errors.LifecycleError)(error)).toBe(true)
          expect(tagOf(error)).toBe(kind === "image_not_found" ? "ImageNotFound" : "Internal")
        }
        const bad = failureOf(
          yield* Effect.exit(Effect.scoped(SandboxPool.make({ size: 0, config: SandboxConfig.make() }))),
          "size 0"
        )
        expect(tagOf(bad)).toBe("InvalidConfig")
      }))
  })
})
