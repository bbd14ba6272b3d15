// Type-level tests: each operation's error type is its own union, checked by the
// compiler (`npm run check` type-checks this file; vitest runs the assertions too).
import { describe, expectTypeOf, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Exec from "../../src/Exec.js"
import type * as Model from "../../src/internal/errorModel.js"
import type { Microsandbox } from "../../src/Microsandbox.js"
import * as Errors from "../../src/MicrosandboxError.js"
import type * as Sandbox from "../../src/Sandbox.js"
import type { SandboxFs } from "../../src/SandboxFs.js"
import type { SandboxHandle } from "../../src/SandboxHandle.js"
import type * as Ssh from "../../src/Ssh.js"

type ErrorOf<T> = T extends Effect.Effect<infer _A, infer E, infer _R> ? E
  : T extends Stream.Stream<infer _A, infer E, infer _R> ? E
  : never

class Mine {
  readonly _tag = "Mine"
}

declare const sandbox: Sandbox.Sandbox
declare const fs: SandboxFs
declare const handle: SandboxHandle
declare const proc: Exec.ExecProcess

describe("error types per operation", () => {
  it("exec lists only exec errors: no ChecksumMismatch, no DoctorCheckFailed, no lifecycle errors", () => {
    const exec = () => sandbox.exec("true")
    type E = ErrorOf<ReturnType<typeof exec>>
    expectTypeOf<E>().toEqualTypeOf<Errors.ExecError>()
    expectTypeOf<Errors.ChecksumMismatch>().not.toMatchTypeOf<E>()
    expectTypeOf<Errors.DoctorCheckFailed>().not.toMatchTypeOf<E>()
    expectTypeOf<Errors.SandboxAlreadyExists>().not.toMatchTypeOf<E>()
    expectTypeOf<Errors.ExecTimeout>().toMatchTypeOf<E>()
    expectTypeOf<Errors.ExecFailed>().toMatchTypeOf<E>()
    const execStream = () => sandbox.execStream("true")
    const shell = () => sandbox.shell("true")
    expectTypeOf<ErrorOf<ReturnType<typeof execStream>>>().toEqualTypeOf<Errors.ExecError>()
    expectTypeOf<ErrorOf<ReturnType<typeof shell>>>().toEqualTypeOf<Errors.ExecError>()
    expectTypeOf<ErrorOf<ReturnType<typeof sandbox.attach>>>().toEqualTypeOf<Errors.ExecError>()
    expectTypeOf<ErrorOf<typeof proc.wait>>().toEqualTypeOf<Exclude<Errors.ExecError, Errors.SandboxLost>>()
    expectTypeOf<ErrorOf<typeof proc.events>>().toEqualTypeOf<Errors.ExecError>()
  })

  it("a caller's own stdin error is added to the exec union, not swallowed", () => {
    const run = () => sandbox.exec("cat", [], { stdin: Stream.fail(new Mine()) })
    expectTypeOf<ErrorOf<ReturnType<typeof run>>>().toEqualTypeOf<Errors.ExecError | Mine>()
  })

  it("filesystem, logs, metrics, lifecycle and control operations have their own unions", () => {
    expectTypeOf<ErrorOf<ReturnType<typeof fs.read>>>().toEqualTypeOf<Errors.FilesystemError>()
    expectTypeOf<ErrorOf<ReturnType<typeof fs.readStream>>>().toEqualTypeOf<Errors.FilesystemError>()
    expectTypeOf<Errors.PathNotFound>().toMatchTypeOf<Errors.FilesystemError>()
    expectTypeOf<Errors.ExecFailed>().not.toMatchTypeOf<Errors.FilesystemError>()

    expectTypeOf<ErrorOf<ReturnType<typeof sandbox.logs>>>().toEqualTypeOf<Errors.LogsError>()
    expectTypeOf<ErrorOf<ReturnType<typeof handle.logStream>>>().toEqualTypeOf<Errors.LogsError>()
    expectTypeOf<ErrorOf<typeof sandbox.metrics>>().toEqualTypeOf<Errors.MetricsError>()
    expectTypeOf<ErrorOf<typeof handle.metrics>>().toEqualTypeOf<Errors.MetricsError>()
    expectTypeOf<ErrorOf<ReturnType<typeof sandbox.metricsStream>>>().toEqualTypeOf<Errors.MetricsError>()

    expectTypeOf<typeof Sandbox.make>().returns.toEqualTypeOf<
      Effect.Effect<Sandbox.Sandbox, Errors.LifecycleError, Microsandbox | Scope.Scope>
    >()
    expectTypeOf<ErrorOf<typeof handle.start>>().toEqualTypeOf<Errors.LifecycleError>()
    expectTypeOf<Errors.BootFailed>().toMatchTypeOf<Errors.LifecycleError>()
    expectTypeOf<ErrorOf<ReturnType<typeof Sandbox.remove>>>().toEqualTypeOf<Errors.ControlError>()
    expectTypeOf<ErrorOf<typeof sandbox.ping>>().toEqualTypeOf<Errors.ControlError>()
    expectTypeOf<ErrorOf<ReturnType<typeof sandbox.stop>>>().toEqualTypeOf<Errors.ControlError>()
    expectTypeOf<Errors.BootFailed>().not.toMatchTypeOf<Errors.ControlError>()
    expectTypeOf<ErrorOf<ReturnType<typeof Ssh.openClient>>>().toEqualTypeOf<Errors.SshError>()
    expectTypeOf<ErrorOf<ReturnType<Ssh.Sftp["read"]>>>().toEqualTypeOf<Errors.SshError>()
    expectTypeOf<Errors.SshError>().toMatchTypeOf<Errors.MicrosandboxError>()
    expectTypeOf<Errors.MetricsDisabled>().not.toMatchTypeOf<Errors.ControlError>()
  })

  it("catchTag refuses a tag the operation cannot raise", () => {
    const exec = () => sandbox.exec("true")
    // @ts-expect-error ChecksumMismatch is not an exec error
    const _checksum = () => exec().pipe(Effect.catchTag("ChecksumMismatch", () => Effect.void))
    // @ts-expect-error DoctorCheckFailed is not an exec error
    const _doctor = () => exec().pipe(Effect.catchTag("DoctorCheckFailed", () => Effect.void))
    const timeout = () => exec().pipe(Effect.catchTag("ExecTimeout", () => Effect.void))
    expectTypeOf<ErrorOf<ReturnType<typeof timeout>>>().toEqualTypeOf<
      Exclude<Errors.ExecError, Errors.ExecTimeout>
    >()
    expectTypeOf<"ChecksumMismatch">().not.toMatchTypeOf<Errors.ExecError["_tag"]>()
    expectTypeOf<"DoctorCheckFailed">().not.toMatchTypeOf<Errors.ExecError["_tag"]>()
  })

  it("every per-operation union is part of MicrosandboxError, and its Schema types match", () => {
    expectTypeOf<Errors.LifecycleError>().toMatchTypeOf<Errors.MicrosandboxError>()
    expectTypeOf<Errors.ControlError>().toMatchTypeOf<Errors.MicrosandboxError>()
    expectTypeOf<Errors.ExecError>().toMatchTypeOf<Errors.MicrosandboxError>()
    expectTypeOf<Errors.FilesystemError>().toMatchTypeOf<Errors.MicrosandboxError>()
    expectTypeOf<Errors.LogsError>().toMatchTypeOf<Errors.MicrosandboxError>()
    expectTypeOf<Errors.MetricsError>().toMatchTypeOf<Errors.MicrosandboxError>()
    expectTypeOf<Errors.InstallerError>().toMatchTypeOf<Errors.MicrosandboxError>()
    expectTypeOf<typeof Errors.MicrosandboxError.Type>().toEqualTypeOf<Errors.MicrosandboxError>()
    // Internal is in every union a native call can reach: the narrowing's landing place.
    expectTypeOf<Errors.Internal>().toMatchTypeOf<Errors.CallError>()
    expectTypeOf<Errors.CallError>().toMatchTypeOf<Errors.ExecError>()
    expectTypeOf<Errors.CallError>().toMatchTypeOf<Errors.LifecycleError>()
  })

  it("the public module's annotated Schemas and kinds are exactly the internal model's", () => {
    // MicrosandboxError.ts spells out each union's members (for the reference); the
    // compiler checks each annotation against src/internal/errorModel.ts, these both ways.
    expectTypeOf<typeof Errors.MicrosandboxError>().toEqualTypeOf<typeof Model.MicrosandboxError>()
    expectTypeOf<typeof Errors.CallError>().toEqualTypeOf<typeof Model.CallError>()
    expectTypeOf<typeof Errors.LifecycleError>().toEqualTypeOf<typeof Model.LifecycleError>()
    expectTypeOf<typeof Errors.ControlError>().toEqualTypeOf<typeof Model.ControlError>()
    expectTypeOf<typeof Errors.ExecError>().toEqualTypeOf<typeof Model.ExecError>()
    expectTypeOf<typeof Errors.FilesystemError>().toEqualTypeOf<typeof Model.FilesystemError>()
    expectTypeOf<typeof Errors.LogsError>().toEqualTypeOf<typeof Model.LogsError>()
    expectTypeOf<typeof Errors.MetricsError>().toEqualTypeOf<typeof Model.MetricsError>()
    expectTypeOf<typeof Errors.SshError>().toEqualTypeOf<typeof Model.SshError>()
    expectTypeOf<typeof Errors.VolumeError>().toEqualTypeOf<typeof Model.VolumeError>()
    expectTypeOf<typeof Errors.VolumeFsError>().toEqualTypeOf<typeof Model.VolumeFsError>()
    expectTypeOf<typeof Errors.ImageError>().toEqualTypeOf<typeof Model.ImageError>()
    expectTypeOf<typeof Errors.SnapshotError>().toEqualTypeOf<typeof Model.SnapshotError>()
    expectTypeOf<typeof Errors.ModifyError>().toEqualTypeOf<typeof Model.ModifyError>()
    expectTypeOf<typeof Errors.InstallerError>().toEqualTypeOf<typeof Model.InstallerError>()
    expectTypeOf<typeof Errors.LoadAttempt>().toEqualTypeOf<typeof Model.LoadAttempt>()
    expectTypeOf<typeof Errors.runtimeKinds>().toEqualTypeOf<typeof Model.runtimeKinds>()
    expectTypeOf<Errors.RuntimeKind>().toEqualTypeOf<Model.RuntimeKind>()
    expectTypeOf<Errors.SandboxNotFound>().toEqualTypeOf<Model.SandboxNotFound>()
  })

  it("isMicrosandboxError narrows unknown values", () => {
    const u: unknown = null
    if (Errors.isMicrosandboxError(u)) expectTypeOf(u).toEqualTypeOf<Errors.MicrosandboxError>()
  })
})
