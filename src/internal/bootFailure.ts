/**
 * The pure classification of a failed boot (no host probes): the core's `Sandbox.make`
 * and `start` use it, and `Doctor.classifyBootFailure` exposes it.
 *
 * @internal
 */
import { BootFailed, type MicrosandboxError } from "./errorModel.js"

// What the runtime (0.6.14) says when a boot fails; measured against the real library.
// The create's error: `failed to start "<name>": sandbox process exited (<status>) before
// agent relay became available`, or the structured boot-error record's own message after
// the same prefix, or `timed out waiting for agent relay: …`.
const BOOT_START = /^failed to start "((?:[^"\\]|\\.)*)": /
const EXITED = /sandbox process exited(?: \((.*)\))? before agent relay became available/
const RELAY_TIMEOUT = "timed out waiting for agent relay"
// The system log of that boot: the VMM's own words.
const KVM_INTERNAL = "KVM_EXIT_INTERNAL_ERROR"
const KVM_UNAVAILABLE = "Error creating the Kvm object"

const HOST_REMEDY =
  "run `npx effect-microsandbox doctor`, and boot sandboxes on a host where it passes (hardware virtualization: bare metal, or a VM with nested VT-x/AMD-V)"

/**
 * Recognizes a failed boot in an `Internal` error from a create or start, and names its
 * reason from the boot's system log lines: `KvmInternalError` (the host's KVM could not
 * run the guest, typically a paravirtual or nested KVM), `KvmUnavailable` (`/dev/kvm`
 * could not be opened), `ExitedBeforeRelay` (the sandbox process died for another
 * reason), `RelayTimeout` (the guest never answered). Returns the `BootFailed` to fail
 * with instead (carrying the log lines), or `undefined` when the error is something else.
 */
export const classifyBootFailure = (
  error: MicrosandboxError,
  systemLog: ReadonlyArray<string>
): BootFailed | undefined => {
  if (error._tag !== "Internal") return undefined
  const exited = EXITED.exec(error.message)
  const timedOut = error.message.includes(RELAY_TIMEOUT)
  if (!BOOT_START.test(error.message) && exited === null && !timedOut) return undefined
  const kvmInternal = systemLog.find((line) => line.includes(KVM_INTERNAL))
  const kvmUnavailable = systemLog.find((line) => line.includes(KVM_UNAVAILABLE))
  const hostLine = kvmUnavailable ?? kvmInternal
  const reason = kvmUnavailable !== undefined
    ? "KvmUnavailable"
    : kvmInternal !== undefined
    ? "KvmInternalError"
    : timedOut
    ? "RelayTimeout"
    : "ExitedBeforeRelay"
  const processExit = exited?.[1]
  return new BootFailed({
    message: hostLine !== undefined
      ? `the sandbox did not boot: ${
        reason === "KvmUnavailable"
          ? "KVM could not be opened on this host"
          : "the host's KVM could not run the guest"
      } (${hostLine.trim()}); ${error.message}`
      : `the sandbox did not boot: ${error.message}`,
    operation: error.operation,
    ...(error.sandbox !== undefined ? { sandbox: error.sandbox } : {}),
    reason,
    ...(processExit !== undefined ? { processExit } : {}),
    systemLog,
    remedy: reason === "KvmUnavailable"
      ? `this host has no usable /dev/kvm: ${HOST_REMEDY}`
      : reason === "KvmInternalError"
      ? `this host's KVM cannot run the microVM guest kernel (typically a paravirtual or nested KVM without hardware virtualization): ${HOST_REMEDY}`
      : "the sandbox process died during boot; its system log lines say why. Run `npx effect-microsandbox doctor` to check the host"
  })
}
