/**
 * The pure classification of a failed boot (no host probes): the core's `Sandbox.make`
 * and `start` use it, and `Doctor.classifyBootFailure` exposes it.
 *
 * @internal
 */
import { BootFailed, type MicrosandboxError } from "../MicrosandboxError.js"

const RELAY = "sandbox process exited before agent relay became available"
const KVM_INTERNAL = "KVM_EXIT_INTERNAL_ERROR"

/**
 * An `Internal` error from a create or start whose message says the sandbox process
 * exited before the agent relay became available, or whose system log shows
 * `KVM_EXIT_INTERNAL_ERROR`, becomes a `BootFailed` carrying the system log lines;
 * anything else gives `undefined`.
 */
export const classifyBootFailure = (
  error: MicrosandboxError,
  systemLog: ReadonlyArray<string>
): BootFailed | undefined => {
  if (error._tag !== "Internal") return undefined
  const kvmLine = systemLog.find((line) => line.includes(KVM_INTERNAL))
  if (kvmLine === undefined && !error.message.includes(RELAY)) return undefined
  return new BootFailed({
    message: kvmLine !== undefined
      ? `the sandbox did not boot: the host's KVM could not run the guest (${kvmLine.trim()}); ${error.message}`
      : `the sandbox did not boot: ${error.message}`,
    operation: error.operation,
    ...(error.sandbox !== undefined ? { sandbox: error.sandbox } : {}),
    reason: kvmLine !== undefined ? "KvmInternalError" : "ExitedBeforeRelay",
    systemLog,
    remedy: kvmLine !== undefined
      ? "this host's KVM cannot run the microVM guest kernel (typically a paravirtual or nested KVM without hardware virtualization): run `npx effect-microsandbox doctor`, and boot sandboxes on a host where it passes"
      : "the sandbox process died during boot; its system log lines say why. Run `npx effect-microsandbox doctor` to check the host"
  })
}
