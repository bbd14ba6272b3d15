// Errors as the Effect ecosystem declares them: a TypeId on every class, namespaced
// identifiers, an optional cause, the union as a Schema; narrowing to an operation's union.
import { describe, expect, it, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Model from "../../src/internal/errorModel.js"
import { fromDocument, narrow } from "../../src/internal/errors.js"
import * as Errors from "../../src/MicrosandboxError.js"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as Double from "../support/double.js"

const common = { message: "m", operation: "Test.op", sandbox: "box" }

describe("MicrosandboxError", () => {
  it("isMicrosandboxError checks the TypeId, not the tag", () => {
    expect(Errors.isMicrosandboxError({ _tag: "Internal" })).toBe(false)
    expect(Errors.isMicrosandboxError({ _tag: "SandboxNotFound", message: "m", operation: "o" })).toBe(false)
    expect(Errors.isMicrosandboxError(null)).toBe(false)
    expect(Errors.isMicrosandboxError("Internal")).toBe(false)
    for (const kind of Object.keys(Errors.runtimeKinds)) {
      const error = fromDocument({ kind, message: "m" }, { operation: "Test.op", path: "/p" })
      expect([kind, Errors.isMicrosandboxError(error)]).toEqual([kind, true])
      expect(error[Errors.TypeId]).toBe(Errors.TypeId)
    }
  })

  it("every member of the union Schema carries the TypeId and a namespaced identifier", () => {
    const members = Errors.MicrosandboxError.members
    // 33 runtime kinds (26 emitted, 7 declared) and the library's own 11 (with
    // MalformedResponse and SandboxLost).
    expect(members.length).toBe(44)
    for (const Class of members) {
      expect(String(Class)).toContain(`effect-microsandbox/${Class._tag}`)
      expect(Class.prototype instanceof Error).toBe(true)
    }
    expect(new Set(members.map((c) => c._tag)).size).toBe(44)
  })

  it("round-trips through the union Schema, cause included, and decodes to instances", () => {
    const error = new Errors.PathNotFound({ ...common, path: "/etc/x", cause: new Error("boom") })
    const wire: unknown = JSON.parse(JSON.stringify(Schema.encodeSync(Errors.MicrosandboxError)(error)))
    expect(wire).toEqual({
      _tag: "PathNotFound",
      message: "m",
      operation: "Test.op",
      sandbox: "box",
      path: "/etc/x",
      cause: { name: "Error", message: "boom" }
    })
    const back = Schema.decodeUnknownSync(Errors.MicrosandboxError)(wire)
    expect(back).toBeInstanceOf(Errors.PathNotFound)
    expect(Errors.isMicrosandboxError(back)).toBe(true)
    if (back._tag === "PathNotFound") expect(back.path).toBe("/etc/x")
    expect(Schema.decodeUnknownEither(Errors.MicrosandboxError)({ _tag: "Internal" })._tag).toBe("Left")
  })

  it("the per-operation union Schemas hold exactly their members", () => {
    const checksum = new Errors.ChecksumMismatch({
      ...common,
      module: "m",
      version: "v",
      expected: "a",
      actual: "b"
    })
    const doctor = new Errors.DoctorCheckFailed({ ...common, check: "kvm", remedy: "r" })
    expect(Schema.is(Errors.ExecError)(checksum)).toBe(false)
    expect(Schema.is(Errors.ExecError)(doctor)).toBe(false)
    expect(Schema.is(Errors.ExecError)(new Errors.ExecTimeout(common))).toBe(true)
    expect(Schema.is(Errors.InstallerError)(checksum)).toBe(true)
    expect(Schema.is(Errors.FilesystemError)(new Errors.PathNotFound({ ...common, path: "/x" }))).toBe(true)
    const unions: ReadonlyArray<(u: unknown) => boolean> = [
      Schema.is(Errors.LifecycleError),
      Schema.is(Errors.ControlError),
      Schema.is(Errors.ExecError),
      Schema.is(Errors.FilesystemError),
      Schema.is(Errors.LogsError),
      Schema.is(Errors.MetricsError)
    ]
    for (const is of unions) expect(is(new Errors.Internal(common))).toBe(true)
  })

  it.effect("the public exports are the classes internal modules construct", () =>
    Effect.gen(function*() {
      // MicrosandboxError.ts re-exports src/internal/errorModel.ts: the same values, so an
      // error built inside the library is an instance of the public class and catchTag sees it.
      const members = Errors.MicrosandboxError.members
      expect(members).toEqual(Model.MicrosandboxError.members)
      for (const Class of members) expect(Errors[Class._tag]).toBe(Class)
      expect(Errors.TypeId).toBe(Model.TypeId)
      expect(Errors.runtimeKinds).toBe(Model.runtimeKinds)
      for (const [kind, Class] of Object.entries(Errors.runtimeKinds)) {
        if (kind === "path_not_found") continue // without a path it is a Filesystem error
        expect(fromDocument({ kind, message: "m" }, { operation: "Test.op" })).toBeInstanceOf(Class)
      }
      const caught = yield* Effect.fail(fromDocument({ kind: "sandbox_not_found", message: "gone" }, {
        operation: "Test.op"
      })).pipe(Effect.catchTag("SandboxNotFound", (e) => Effect.succeed(e)))
      expect(caught).toBeInstanceOf(Errors.SandboxNotFound)
      expect(caught.message).toBe("gone")
    }))

  it.effect("narrowing keeps members, turns anything else into Internal with the original as cause", () =>
    Effect.gen(function*() {
      const timeout = new Errors.ExecTimeout(common)
      expect(yield* Effect.flip(narrow.exec.effect(Effect.fail(timeout)))).toBe(timeout)
      const stray = new Errors.SnapshotIntegrity(common)
      const narrowed = yield* Effect.flip(narrow.exec.effect(Effect.fail(stray)))
      expect(narrowed._tag).toBe("Internal")
      expect(narrowed.message).toBe("unexpected SnapshotIntegrity error: m")
      expect(narrowed.operation).toBe("Test.op")
      expect(narrowed.sandbox).toBe("box")
      expect(narrowed.cause).toBe(stray)
    }))
})

class Box extends Context.Tag("test/ErrorsBox")<Box, Sandbox.Sandbox>() {}
const BoxLive = Sandbox.layer(Box, "errors-box", SandboxConfig.image("alpine"))

describe("operations raise only their union (against the double)", () => {
  layer(Layer.provideMerge(BoxLive, Double.layer()), { excludeTestServices: true })((it) => {
    it.effect("an exec that meets a kind exec never raises fails Internal, keeping the original", () =>
      Effect.gen(function*() {
        const box = yield* Box
        yield* Double.fault({
          fn: "msb_sandbox_exec_stream",
          kind: "snapshot_integrity",
          message: "odd",
          count: 1
        })
        const error = yield* Effect.flip(box.exec("true"))
        expect(error._tag).toBe("Internal")
        expect(Errors.isMicrosandboxError(error.cause)).toBe(true)
        expect((error.cause as Errors.MicrosandboxError)._tag).toBe("SnapshotIntegrity")
        // The exec union's own kinds pass unchanged.
        yield* Double.fault({
          fn: "msb_sandbox_exec_stream",
          kind: "invalid_argument",
          message: "bad",
          count: 1
        })
        expect((yield* Effect.flip(box.exec("true")))._tag).toBe("InvalidArgument")
      }))

    it.effect("a caller's stdin error reaches the caller as it was, even one of this library's classes", () =>
      Effect.gen(function*() {
        const box = yield* Box
        const own = new Errors.PathNotFound({ message: "no input", operation: "mine", path: "/in" })
        const error = yield* Effect.flip(box.exec("cat", [], { stdin: Stream.fail(own) }))
        expect(error).toBe(own)
      }))

    it.effect("a filesystem operation names its path on PathNotFound", () =>
      Effect.gen(function*() {
        const box = yield* Box
        const error = yield* Effect.flip(box.fs.readString("/definitely/missing.txt"))
        expect(error._tag).toBe("PathNotFound")
        if (error._tag === "PathNotFound") expect(error.path).toBe("/definitely/missing.txt")
      }))
  })
})
