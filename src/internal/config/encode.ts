/**
 * Encoding a configuration: the create-options document the runtime reads
 * (docs/runtime-abi.md §6).
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Redacted from "effect/Redacted"
import type { SandboxConfig } from "../../SandboxConfig.js"
import * as Mount from "./mount.js"
import * as Network from "./network.js"
import * as RootDisk from "./rootDisk.js"
import * as Secret from "./secret.js"

const secsCeil = (d: Duration.Duration) => Math.ceil(Duration.toMillis(d) / 1000)
const msCeil = (d: Duration.Duration) => Math.ceil(Duration.toMillis(d))

/**
 * The create-options document the runtime expects (zero values omitted, durations
 * rounded up). Secrets (registry password, secret values, the TLS CA key) stay
 * `Redacted` in it: they are revealed only when the library writes the document for
 * the native call.
 */
export const encode = (c: SandboxConfig): Record<string, unknown> => {
  const o: Record<string, unknown> = {}
  const put = (key: string, value: unknown) => {
    if (value !== undefined) o[key] = value
  }
  const nonEmpty = <A extends object>(
    v: A | undefined
  ) => (v !== undefined && Object.keys(v).length > 0 ? v : undefined)
  put("image", c.image)
  put("image_fstype", c.imageFstype)
  put("image_bind", c.imageBind)
  if (c.rootDisk) put("root_disk", RootDisk.encode(c.rootDisk))
  else if (c.ociUpperSizeMib !== undefined) put("root_disk", { kind: "managed", size_mib: c.ociUpperSizeMib })
  put("snapshot", c.snapshot)
  put("memory_mib", c.memoryMib)
  put("cpus", c.cpus)
  put("max_memory_mib", c.maxMemoryMib)
  put("max_cpus", c.maxCpus)
  put("cpu_placement", c.cpuPlacement)
  put("placement_profile", c.placementProfile)
  put("thp", c.thp)
  put("workdir", c.workdir)
  put("shell", c.shell)
  put("security_profile", c.securityProfile)
  put("deployment_profile", c.deploymentProfile)
  put("env", nonEmpty(c.env))
  put("labels", nonEmpty(c.labels))
  put("hostname", c.hostname)
  put("user", c.user)
  if (c.replace || c.replaceTimeout !== undefined) put("replace", true)
  if (c.replaceTimeout !== undefined) put("replace_with_timeout_ms", msCeil(c.replaceTimeout))
  if (c.detached) put("detached", true)
  if (c.ephemeral) put("ephemeral", true)
  put("entrypoint", c.entrypoint)
  put("cmd", c.cmd)
  if (c.init) {
    put("init", {
      cmd: c.init.cmd,
      ...(c.init.args ? { args: c.init.args } : {}),
      ...(c.init.env ? { env: Object.entries(c.init.env) } : {})
    })
  }
  put("log_level", c.logLevel)
  if (c.quietLogs) put("quiet_logs", true)
  put("scripts", nonEmpty(c.scripts))
  put("pull_policy", c.pullPolicy)
  if (c.maxDuration !== undefined && Duration.toMillis(c.maxDuration) > 0) {
    put("max_duration_secs", secsCeil(c.maxDuration))
  }
  if (c.idleTimeout !== undefined && Duration.toMillis(c.idleTimeout) > 0) {
    put("idle_timeout_secs", secsCeil(c.idleTimeout))
  }
  if (c.registryAuth) {
    put("registry_auth", { username: c.registryAuth.username, password: c.registryAuth.password })
  }
  if (c.registryInsecure) put("registry_insecure", true)
  if (c.registryCaCerts?.length) put("registry_ca_certs", c.registryCaCerts)
  put("ports", nonEmpty(c.ports))
  put("ports_udp", nonEmpty(c.portsUdp))
  if (c.portBindings?.length) {
    put(
      "port_bindings",
      c.portBindings.map((b) => ({
        ...(b.bind ? { bind: b.bind } : {}),
        host_port: b.hostPort,
        guest_port: b.guestPort,
        ...(b.protocol ? { protocol: b.protocol } : {})
      }))
    )
  }
  if (c.vsock?.length) {
    put(
      "vsock",
      c.vsock.map((v) => ({
        host_socket: v.hostSocket,
        port: v.port,
        ...(v.socketType ? { socket_type: v.socketType } : {})
      }))
    )
  }
  if (c.network) put("network", Network.encode(c.network))
  if (c.secrets?.length) put("secrets", c.secrets.map(Secret.encode))
  if (c.patches?.length) {
    put("patches", c.patches.map(({ _tag, ...rest }) => ({ kind: _tag, ...rest })))
  }
  if (c.mounts && Object.keys(c.mounts).length > 0) {
    put("volumes", Object.fromEntries(Object.entries(c.mounts).map(([guest, m]) => [guest, Mount.encode(m)])))
  }
  return o
}

/**
 * The create document as the runtime reads it: the one place where secrets
 * (`Redacted` in the public encoding) are revealed.
 */
export const createDocument = (config: SandboxConfig): string =>
  JSON.stringify(
    encode(config),
    // `toJSON` has already turned a Redacted into "<redacted>": read the holder instead.
    function(this: Record<string, unknown>, key: string, value: unknown) {
      const raw = this[key]
      return Redacted.isRedacted(raw) ? Redacted.value(raw) : value
    }
  )
