// Type-level tests of the Volume, Image, Snapshot, SandboxPool, Modification and Ssh
// operations: each error channel is the narrow union MicrosandboxError.ts declares for
// it, never the whole `MicrosandboxError` (`npm run check` type-checks this file;
// vitest runs the assertions too).
import { describe, expectTypeOf, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as Stream from "effect/Stream"
import * as Image from "../../src/Image.js"
import * as Errors from "../../src/MicrosandboxError.js"
import type * as Modification from "../../src/Modification.js"
import type * as Sandbox from "../../src/Sandbox.js"
import type { SandboxHandle } from "../../src/SandboxHandle.js"
import * as SandboxPool from "../../src/SandboxPool.js"
import * as Snapshot from "../../src/Snapshot.js"
import type * as Ssh from "../../src/Ssh.js"
import * as Volume from "../../src/Volume.js"

type ErrorOf<T> = T extends Effect.Effect<infer _A, infer E, infer _R> ? E
  : T extends Stream.Stream<infer _A, infer E, infer _R> ? E
  : T extends Layer.Layer<infer _A, infer E, infer _R> ? E
  : never

declare const volume: Volume.Volume
declare const sandbox: Sandbox.Sandbox
declare const handle: SandboxHandle
declare const pool: SandboxPool.SandboxPool
declare const client: Ssh.SshClient
declare const sftp: Ssh.Sftp
declare const poolOptions: SandboxPool.Options

describe("error types of the remaining modules", () => {
  it("Volume: per-operation unions built on CallError; file operations are VolumeFsError", () => {
    expectTypeOf<ErrorOf<ReturnType<typeof Volume.create>>>().toEqualTypeOf<
      Errors.CallError | Errors.InvalidConfig | Errors.VolumeAlreadyExists
    >()
    expectTypeOf<ErrorOf<ReturnType<typeof Volume.make>>>().toEqualTypeOf<Volume.CreateError>()
    expectTypeOf<ErrorOf<ReturnType<typeof Volume.get>>>().toEqualTypeOf<
      Errors.CallError | Errors.VolumeNotFound
    >()
    expectTypeOf<ErrorOf<typeof Volume.list>>().toEqualTypeOf<Errors.CallError>()
    expectTypeOf<ErrorOf<typeof Volume.getDefault>>().toEqualTypeOf<Volume.DefaultError>()
    expectTypeOf<ErrorOf<ReturnType<typeof Volume.remove>>>().toEqualTypeOf<
      Errors.CallError | Errors.VolumeNotFound | Errors.InvalidConfig
    >()
    expectTypeOf<ErrorOf<typeof volume.refresh>>().toEqualTypeOf<Volume.GetError>()
    expectTypeOf<ErrorOf<ReturnType<typeof volume.fs.read>>>().toEqualTypeOf<Errors.VolumeFsError>()
    expectTypeOf<ErrorOf<ReturnType<typeof volume.fs.write>>>().toEqualTypeOf<Errors.VolumeFsError>()
    expectTypeOf<ErrorOf<ReturnType<typeof Volume.exists>>>().toEqualTypeOf<Errors.VolumeFsError>()
    // Every per-operation type is part of VolumeError (or VolumeFsError).
    expectTypeOf<Volume.CreateError>().toMatchTypeOf<Errors.VolumeError>()
    expectTypeOf<Volume.RemoveError>().toMatchTypeOf<Errors.VolumeError>()
    expectTypeOf<Errors.ChecksumMismatch>().not.toMatchTypeOf<Errors.VolumeError>()
    expectTypeOf<Errors.ImageNotFound>().not.toMatchTypeOf<Errors.VolumeError>()
    expectTypeOf<Errors.VolumeAlreadyExists>().not.toMatchTypeOf<Volume.GetError>()
    expectTypeOf<Errors.PathNotFound>().not.toMatchTypeOf<Errors.VolumeError>()
    expectTypeOf<Errors.PathNotFound>().toMatchTypeOf<Errors.VolumeFsError>()
    expectTypeOf<Errors.ExecFailed>().not.toMatchTypeOf<Errors.VolumeFsError>()
  })

  it("Image: ImageError everywhere", () => {
    expectTypeOf<ErrorOf<ReturnType<typeof Image.get>>>().toEqualTypeOf<Errors.ImageError>()
    expectTypeOf<ErrorOf<typeof Image.list>>().toEqualTypeOf<Errors.ImageError>()
    expectTypeOf<ErrorOf<ReturnType<typeof Image.inspect>>>().toEqualTypeOf<Errors.ImageError>()
    expectTypeOf<ErrorOf<typeof Image.prune>>().toEqualTypeOf<Errors.ImageError>()
    expectTypeOf<ErrorOf<ReturnType<typeof Image.load>>>().toEqualTypeOf<Errors.ImageError>()
    const remove = () => Image.remove("a:1", { force: true })
    const removeLast = () => Image.remove({ force: true })("a:1")
    const save = () => Image.save(["a:1"], "/tmp/x.tar")
    const saveLast = () => Image.save("/tmp/x.tar")("a:1")
    expectTypeOf<ErrorOf<ReturnType<typeof remove>>>().toEqualTypeOf<Errors.ImageError>()
    expectTypeOf<ErrorOf<ReturnType<typeof removeLast>>>().toEqualTypeOf<Errors.ImageError>()
    expectTypeOf<ErrorOf<ReturnType<typeof save>>>().toEqualTypeOf<Errors.ImageError>()
    expectTypeOf<ErrorOf<ReturnType<typeof saveLast>>>().toEqualTypeOf<Errors.ImageError>()
    expectTypeOf<Errors.ImageInUse>().toMatchTypeOf<Errors.ImageError>()
    expectTypeOf<Errors.VolumeNotFound>().not.toMatchTypeOf<Errors.ImageError>()
    expectTypeOf<Errors.SnapshotNotFound>().not.toMatchTypeOf<Errors.ImageError>()
  })

  it("Snapshot: SnapshotError everywhere, SandboxHandle.snapshot included", () => {
    const create = () => Snapshot.create("box", { name: "s" })
    const createLast = () => Snapshot.create({ name: "s" })("box")
    expectTypeOf<ErrorOf<ReturnType<typeof create>>>().toEqualTypeOf<Errors.SnapshotError>()
    expectTypeOf<ErrorOf<ReturnType<typeof createLast>>>().toEqualTypeOf<Errors.SnapshotError>()
    expectTypeOf<ErrorOf<ReturnType<typeof Snapshot.open>>>().toEqualTypeOf<Errors.SnapshotError>()
    expectTypeOf<ErrorOf<ReturnType<typeof Snapshot.verify>>>().toEqualTypeOf<Errors.SnapshotError>()
    expectTypeOf<ErrorOf<ReturnType<typeof Snapshot.get>>>().toEqualTypeOf<Errors.SnapshotError>()
    expectTypeOf<ErrorOf<typeof Snapshot.list>>().toEqualTypeOf<Errors.SnapshotError>()
    expectTypeOf<ErrorOf<ReturnType<typeof Snapshot.listDir>>>().toEqualTypeOf<Errors.SnapshotError>()
    expectTypeOf<ErrorOf<ReturnType<typeof Snapshot.reindex>>>().toEqualTypeOf<Errors.SnapshotError>()
    expectTypeOf<ErrorOf<ReturnType<typeof Snapshot.importArchive>>>().toEqualTypeOf<Errors.SnapshotError>()
    const remove = () => Snapshot.remove("s")
    const exportArchive = () => Snapshot.exportArchive("s", "/tmp/s.tar")
    expectTypeOf<ErrorOf<ReturnType<typeof remove>>>().toEqualTypeOf<Errors.SnapshotError>()
    expectTypeOf<ErrorOf<ReturnType<typeof exportArchive>>>().toEqualTypeOf<Errors.SnapshotError>()
    expectTypeOf<ErrorOf<ReturnType<typeof handle.snapshot>>>().toEqualTypeOf<Errors.SnapshotError>()
    expectTypeOf<ErrorOf<ReturnType<typeof handle.snapshotTo>>>().toEqualTypeOf<Errors.SnapshotError>()
    expectTypeOf<Errors.SnapshotSandboxRunning>().toMatchTypeOf<Errors.SnapshotError>()
    expectTypeOf<Errors.BootFailed>().not.toMatchTypeOf<Errors.SnapshotError>()
    expectTypeOf<Errors.ImageInUse>().not.toMatchTypeOf<Errors.SnapshotError>()
  })

  it("SandboxPool: make and layer fail only with InvalidConfig; a borrow with the lifecycle union", () => {
    expectTypeOf<ErrorOf<ReturnType<typeof SandboxPool.make>>>().toEqualTypeOf<
      Errors.InvalidConfig
    >()
    expectTypeOf<ErrorOf<ReturnType<typeof SandboxPool.layer>>>().toEqualTypeOf<
      Errors.InvalidConfig
    >()
    expectTypeOf<ErrorOf<typeof pool.get>>().toEqualTypeOf<Errors.LifecycleError>()
    expectTypeOf<ErrorOf<typeof pool.ready>>().toEqualTypeOf<Errors.LifecycleError>()
  })

  it("Modification and Ssh", () => {
    expectTypeOf<Modification.ModifyError>().toEqualTypeOf<Errors.ModifyError>()
    expectTypeOf<ErrorOf<ReturnType<typeof sandbox.modify>>>().toEqualTypeOf<Errors.ModifyError>()
    expectTypeOf<ErrorOf<ReturnType<typeof handle.modify>>>().toEqualTypeOf<Errors.ModifyError>()
    expectTypeOf<Errors.SnapshotIntegrity>().not.toMatchTypeOf<Errors.ModifyError>()
    expectTypeOf<ErrorOf<ReturnType<typeof client.exec>>>().toEqualTypeOf<Errors.SshError>()
    expectTypeOf<ErrorOf<typeof client.sftp>>().toEqualTypeOf<Errors.SshError>()
    expectTypeOf<ErrorOf<ReturnType<typeof sftp.write>>>().toEqualTypeOf<Errors.SshError>()
    expectTypeOf<ErrorOf<ReturnType<typeof sandbox.ssh.openClient>>>().toEqualTypeOf<Errors.SshError>()
  })

  it("catchTag refuses a tag the operation cannot raise", () => {
    // @ts-expect-error ChecksumMismatch is not a volume error
    const _v = () => Volume.get("v").pipe(Effect.catchTag("ChecksumMismatch", () => Effect.void))
    // @ts-expect-error VolumeAlreadyExists cannot come from a lookup
    const _g = () => Volume.get("v").pipe(Effect.catchTag("VolumeAlreadyExists", () => Effect.void))
    // @ts-expect-error ExecTimeout is not a volume file error
    const _f = () => volume.fs.read("a").pipe(Effect.catchTag("ExecTimeout", () => Effect.void))
    // @ts-expect-error DoctorCheckFailed is not an image error
    const _i = () => Image.list.pipe(Effect.catchTag("DoctorCheckFailed", () => Effect.void))
    // @ts-expect-error VolumeNotFound is not a snapshot error
    const _s = () => Snapshot.list.pipe(Effect.catchTag("VolumeNotFound", () => Effect.void))
    // @ts-expect-error BootFailed cannot come from making a pool (its sandboxes boot in the background)
    const _p = () => SandboxPool.make(poolOptions).pipe(Effect.catchTag("BootFailed", () => Effect.void))

    const found = () => Volume.get("v").pipe(Effect.catchTag("VolumeNotFound", () => Effect.void))
    expectTypeOf<ErrorOf<ReturnType<typeof found>>>().toEqualTypeOf<Errors.CallError>()
    const inUse = () => Image.remove("a:1").pipe(Effect.catchTag("ImageInUse", () => Effect.void))
    expectTypeOf<ErrorOf<ReturnType<typeof inUse>>>().toEqualTypeOf<
      Exclude<Errors.ImageError, Errors.ImageInUse>
    >()
    const running = () =>
      Snapshot.create("box", { name: "s" }).pipe(
        Effect.catchTag("SnapshotSandboxRunning", () => Effect.die("unexpected"))
      )
    expectTypeOf<ErrorOf<ReturnType<typeof running>>>().toEqualTypeOf<
      Exclude<Errors.SnapshotError, Errors.SnapshotSandboxRunning>
    >()
  })

  it("every new union is part of MicrosandboxError and includes CallError; its Schema's type is the union", () => {
    expectTypeOf<Errors.VolumeError>().toMatchTypeOf<Errors.MicrosandboxError>()
    expectTypeOf<Errors.VolumeFsError>().toMatchTypeOf<Errors.MicrosandboxError>()
    expectTypeOf<Errors.ImageError>().toMatchTypeOf<Errors.MicrosandboxError>()
    expectTypeOf<Errors.SnapshotError>().toMatchTypeOf<Errors.MicrosandboxError>()
    expectTypeOf<Errors.ModifyError>().toMatchTypeOf<Errors.MicrosandboxError>()
    expectTypeOf<Errors.CallError>().toMatchTypeOf<Errors.VolumeError>()
    expectTypeOf<Errors.CallError>().toMatchTypeOf<Errors.VolumeFsError>()
    expectTypeOf<Errors.CallError>().toMatchTypeOf<Errors.ImageError>()
    expectTypeOf<Errors.CallError>().toMatchTypeOf<Errors.SnapshotError>()
    expectTypeOf<Errors.CallError>().toMatchTypeOf<Errors.ModifyError>()
    expectTypeOf<typeof Errors.ImageError.Type>().toEqualTypeOf<Errors.ImageError>()
    expectTypeOf<typeof Errors.SnapshotError.Type>().toEqualTypeOf<Errors.SnapshotError>()
  })
})
