/**
 * Host diagnosis: can this machine boot microsandbox sandboxes, and if not, why and
 * what to do. `doctor` checks the runtime pieces and their versions (`msb`,
 * `libkrunfw`, the C-ABI library), and the virtualization a boot needs: on Linux
 * `/dev/kvm` present and read/write, hardware virtualization flags, and whether the
 * KVM is paravirtual or nested in a way that cannot run the guest kernel; on macOS,
 * Hypervisor.framework. Each failed check carries a `DoctorCheckFailed` with a remedy.
 *
 * The same report is printed by `npx effect-microsandbox doctor`.
 *
 * @example
 * ```ts
 * import { NodeContext } from "@effect/platform-node"
 * import { Effect } from "effect"
 * import { Doctor } from "effect-microsandbox/node"
 *
 * const program = Doctor.doctor().pipe(
 *   Effect.tap((report) => Effect.log(Doctor.format(report))),
 *   Effect.provide(NodeContext.layer)
 * )
 * ```
 *
 * @since 0.1.0
 */
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as bootFailure from "../internal/bootFailure.js"
import * as internal from "../internal/doctor.js"
import * as Microsandbox from "../Microsandbox.js"
import type { BootFailed, DoctorCheckFailed, MicrosandboxError } from "../MicrosandboxError.js"

/**
 * One check and its verdict.
 *
 * @since 0.1.0
 * @category models
 */
export interface Check {
  /** `platform`, `msb`, `libkrunfw`, `library`, `kvm-device`, `kvm-access`, `cpu-virtualization`, `kvm-paravirtual`, `hypervisor-framework`. */
  readonly check: string
  readonly ok: boolean
  /** What was found. */
  readonly detail: string
  /** For a failed check: the error, with its remedy. */
  readonly error: Option.Option<DoctorCheckFailed>
}

/**
 * The doctor's report.
 *
 * @since 0.1.0
 * @category models
 */
export interface Report {
  readonly checks: ReadonlyArray<Check>
  /** The failed checks' errors, in check order. */
  readonly failures: ReadonlyArray<DoctorCheckFailed>
  /** Whether every check passed: the host can boot sandboxes. */
  readonly ok: boolean
}

/**
 * Options of `doctor`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Check the library at this path first (then MICROSANDBOX_FFI_PATH, then the install location). */
  readonly libraryPath?: string | undefined
  /** Check this `msb` (after the runtime's own `MSB_PATH`). */
  readonly msbPath?: string | undefined
  /** Load the library to ask its version (default true). */
  readonly loadLibrary?: boolean | undefined
}

const libraryVersion = (path: string) =>
  Effect.scoped(Effect.flatMap(Microsandbox.make({ libraryPath: path }), (m) => m.runtimeVersion))

/**
 * Checks the host. Never fails: every failed check is in the report.
 *
 * @since 0.1.0
 * @category diagnostics
 */
export const doctor = (
  options: Options = {}
): Effect.Effect<Report, never, FileSystem.FileSystem | CommandExecutor.CommandExecutor> =>
  internal.gatherFacts({
    libraryPath: options.libraryPath,
    msbPath: options.msbPath,
    libraryVersion: options.loadLibrary === false ? undefined : libraryVersion
  }).pipe(
    Effect.map((facts) => fromChecks(internal.diagnose(facts))),
    Effect.withSpan("Doctor.doctor")
  )

/** @internal */
export const fromChecks = (checks: ReadonlyArray<Check>): Report => {
  const failures = checks.flatMap((c) => Option.toArray(c.error))
  return { checks, failures, ok: failures.length === 0 }
}

/**
 * Checks the host and fails with the first failed check's `DoctorCheckFailed`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const requireBootable = (
  options: Options = {}
): Effect.Effect<Report, DoctorCheckFailed, FileSystem.FileSystem | CommandExecutor.CommandExecutor> =>
  Effect.flatMap(doctor(options), (report) => {
    const first = report.failures[0]
    return first === undefined ? Effect.succeed(report) : Effect.fail(first)
  })

/**
 * The report as text: one line per check, and under each failure its remedy.
 *
 * @since 0.1.0
 * @category formatting
 */
export const format = (report: Report): string =>
  [
    ...report.checks.flatMap((c) => [
      `${c.ok ? "ok  " : "FAIL"} ${c.check.padEnd(20)} ${c.detail}`,
      ...Option.match(c.error, { onNone: () => [], onSome: (e) => [`     ${"".padEnd(20)} → ${e.remedy}`] })
    ]),
    report.ok
      ? "This host can boot microsandbox sandboxes."
      : `This host cannot boot microsandbox sandboxes (${report.failures.length} failed check${
        report.failures.length === 1 ? "" : "s"
      }).`
  ].join("\n")

/**
 * Recognizes a failed boot in an `Internal` error from a create or start (the runtime's
 * `failed to start "<name>": …`), and names its reason from the boot's system log lines:
 * `KvmInternalError` (the host's KVM could not run the guest, typically a paravirtual or
 * nested KVM), `KvmUnavailable` (`/dev/kvm` could not be opened), `ExitedBeforeRelay`
 * (the sandbox process died for another reason), `RelayTimeout` (the guest never
 * answered). Returns the `BootFailed` to fail with instead (carrying the log lines), or
 * `undefined` when the error is something else. (`Sandbox.make` and `start` apply it.)
 *
 * @since 0.1.0
 * @category utils
 */
export const classifyBootFailure: (
  error: MicrosandboxError,
  systemLog: ReadonlyArray<string>
) => BootFailed | undefined = bootFailure.classifyBootFailure
