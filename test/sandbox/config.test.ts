import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import * as Init from "../../src/Init.js"
import { createDocument } from "../../src/internal/sandbox.js"
import * as Mount from "../../src/Mount.js"
import * as Network from "../../src/Network.js"
import * as Patch from "../../src/Patch.js"
import * as RootDisk from "../../src/RootDisk.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as Secret from "../../src/Secret.js"

const problem = (name: string, ...options: ReadonlyArray<SandboxConfig.Option>) => {
  const result = SandboxConfig.validate(name, SandboxConfig.make(...options))
  if (Either.isRight(result)) throw new Error("expected InvalidConfig")
  expect(result.left._tag).toBe("InvalidConfig")
  return { field: result.left.field, message: result.left.message }
}
const img = SandboxConfig.image("alpine")

describe("SandboxConfig", () => {
  it("encodes the runtime's create options exactly (docs/runtime-abi.md §6.7)", () => {
    const config = SandboxConfig.make(
      SandboxConfig.image("python:3.12"),
      SandboxConfig.memory(1024),
      SandboxConfig.cpus(2),
      SandboxConfig.env({ A: "1" }),
      SandboxConfig.labels({ tenant: "acme" }),
      SandboxConfig.replaceWithTimeout(Duration.millis(750)),
      SandboxConfig.maxDuration("30 seconds"),
      SandboxConfig.ports({ 8080: 80 }),
      SandboxConfig.init(Init.cmd("/sbin/init", { args: ["--foo"], env: { X: "1" } })),
      SandboxConfig.network({
        defaultEgress: "deny",
        rules: [Network.allow({ destination: "*" })],
        tls: { bypass: ["*.googleapis.com"] }
      }),
      SandboxConfig.secrets(Secret.env("K", "v", { allowHosts: ["h"] })),
      SandboxConfig.patches(Patch.mkdir("/app")),
      SandboxConfig.mounts({ "/data": Mount.named("vol"), "/tmp": Mount.tmpfs({ sizeMib: 256 }) })
    )
    expect(Either.isRight(SandboxConfig.validate("py", config))).toBe(true)
    // The document written for the native call (the only place secrets are revealed).
    expect(JSON.parse(Either.getOrThrow(createDocument(config)))).toEqual({
      image: "python:3.12",
      memory_mib: 1024,
      cpus: 2,
      env: { A: "1" },
      labels: { tenant: "acme" },
      replace: true,
      replace_with_timeout_ms: 750,
      max_duration_secs: 30,
      ports: { "8080": 80 },
      init: { cmd: "/sbin/init", args: ["--foo"], env: [["X", "1"]] },
      network: {
        custom_policy: { default_egress: "deny", rules: [{ action: "allow", destination: "*" }] },
        tls: { bypass: ["*.googleapis.com"] }
      },
      secrets: [{ env_var: "K", value: "v", allow_hosts: ["h"] }],
      patches: [{ kind: "mkdir", path: "/app" }],
      volumes: { "/data": { named: "vol" }, "/tmp": { tmpfs: true, size_mib: 256 } }
    })
  })

  it("omits zero values and rounds durations up", () => {
    const config = SandboxConfig.make(
      img,
      SandboxConfig.maxDuration(Duration.millis(1)),
      SandboxConfig.idleTimeout(Duration.millis(1500)),
      SandboxConfig.ephemeral(false),
      SandboxConfig.env({})
    )
    expect(Either.getOrThrow(SandboxConfig.encode(config))).toEqual({
      image: "alpine",
      max_duration_secs: 1,
      idle_timeout_secs: 2
    })
  })

  it("merges repeated map options and replaces single values", () => {
    const config = SandboxConfig.make(
      SandboxConfig.image("a"),
      SandboxConfig.image("b"),
      SandboxConfig.env({ A: "1", B: "1" }),
      SandboxConfig.env({ B: "2" }),
      SandboxConfig.label("x", "1"),
      SandboxConfig.labels({ y: "2" }),
      SandboxConfig.memory(256),
      SandboxConfig.memory(768),
      SandboxConfig.ports({ 80: 8080 }),
      SandboxConfig.ports({ 443: 8443 })
    )
    expect(config.image).toBe("b")
    expect(config.env).toEqual({ A: "1", B: "2" })
    expect(config.labels).toEqual({ x: "1", y: "2" })
    expect(config.memoryMib).toBe(768)
    expect(config.ports).toEqual({ "80": 8080, "443": 8443 })
  })

  it("keeps secrets redacted until the create document is written", () => {
    const config = SandboxConfig.make(
      img,
      SandboxConfig.registryAuth("me", "hunter2"),
      SandboxConfig.secrets(Secret.env("TOKEN", "s3cret-value", { allowHosts: ["api.example.com"] })),
      SandboxConfig.network({ tls: { caKey: Redacted.make("-----BEGIN PRIVATE KEY-----xyz") } })
    )
    expect(String(config.registryAuth?.password)).not.toContain("hunter2")
    expect(Redacted.isRedacted(config.registryAuth?.password)).toBe(true)
    // Nothing public returns them in plain text: the public encoding keeps them Redacted.
    const encoded = Either.getOrThrow(SandboxConfig.encode(config))
    const registry = encoded.registry_auth as { username: string; password: unknown }
    expect(registry.username).toBe("me")
    expect(Redacted.isRedacted(registry.password)).toBe(true)
    expect(Redacted.isRedacted((encoded.secrets as Array<{ value: unknown }>)[0]!.value)).toBe(true)
    expect(Redacted.isRedacted((encoded.network as { tls: { ca_key: unknown } }).tls.ca_key)).toBe(true)
    for (const text of [JSON.stringify(encoded), String(encoded), JSON.stringify(config)]) {
      expect(text).not.toContain("hunter2")
      expect(text).not.toContain("s3cret-value")
      expect(text).not.toContain("PRIVATE KEY")
    }
    // The document handed to the runtime carries them.
    const doc = JSON.parse(Either.getOrThrow(createDocument(config)))
    expect(doc.registry_auth).toEqual({ username: "me", password: "hunter2" })
    expect(doc.secrets[0].value).toBe("s3cret-value")
    expect(doc.network.tls.ca_key).toBe("-----BEGIN PRIVATE KEY-----xyz")
  })

  it("encoding a configuration that was never validated answers InvalidConfig for what no document can carry", () => {
    const negative = SandboxConfig.encode(SandboxConfig.make(img, SandboxConfig.maxDuration(-5000)))
    expect(Either.isLeft(negative)).toBe(true)
    if (Either.isLeft(negative)) {
      expect(negative.left._tag).toBe("InvalidConfig")
      expect(negative.left.field).toBe("maxDuration")
    }
    const mistyped = SandboxConfig.encode(SandboxConfig.make(img, SandboxConfig.memory("lots" as never)))
    expect(Either.isLeft(mistyped) && mistyped.left.field).toBe("memoryMib")
    // the same configurations are refused by validation before any create
    expect(
      Either.isLeft(SandboxConfig.validate("box", SandboxConfig.make(img, SandboxConfig.maxDuration(-5000))))
    )
      .toBe(true)
  })

  it("sends an OCI upper size as a managed root disk; root disk factories encode their kind", () => {
    expect(
      Either.getOrThrow(SandboxConfig.encode(SandboxConfig.make(img, SandboxConfig.ociUpperSize(2048))))
        .root_disk
    ).toEqual(
      {
        kind: "managed",
        size_mib: 2048
      }
    )
    expect(RootDisk.encode(RootDisk.diskImage("/d.qcow2", { format: "qcow2" }))).toEqual({
      kind: "disk-image",
      path: "/d.qcow2",
      format: "qcow2"
    })
    expect(RootDisk.encode(RootDisk.flat({ clone: "reflink" }))).toEqual({ kind: "flat", clone: "reflink" })
  })

  it("Patch and Init factories build the runtime's documents", () => {
    const c = SandboxConfig.make(
      img,
      SandboxConfig.patches(
        Patch.text("/a", "x", { mode: 0o644, replace: true }),
        Patch.append("/b", "y"),
        Patch.remove("/c"),
        Patch.symlink("/t", "/l"),
        Patch.copyFile("/host/f", "/f", { mode: 0o600 }),
        Patch.copyDir("/host/d", "/d", { replace: true })
      ),
      SandboxConfig.init(Init.auto())
    )
    const encoded = Either.getOrThrow(SandboxConfig.encode(c))
    expect(encoded.patches).toEqual([
      { kind: "text", path: "/a", content: "x", mode: 420, replace: true },
      { kind: "append", path: "/b", content: "y" },
      { kind: "remove", path: "/c" },
      { kind: "symlink", target: "/t", link: "/l" },
      { kind: "copy_file", src: "/host/f", dst: "/f", mode: 384 },
      { kind: "copy_dir", src: "/host/d", dst: "/d", replace: true }
    ])
    expect(encoded.init).toEqual({ cmd: "auto" })
  })

  describe("validation, each failure an InvalidConfig naming the field", () => {
    it("empty name", () => expect(problem("", img).field).toBe("name"))
    it("name over 128 UTF-8 bytes", () => {
      expect(problem("a".repeat(129), img).field).toBe("name")
      expect(Either.isRight(SandboxConfig.validate("a".repeat(128), SandboxConfig.make(img)))).toBe(true)
      // 64 two-byte characters are 128 bytes... and not ASCII, which the runtime rejects too.
      expect(problem("é".repeat(65), img).message).toContain("130 bytes")
    })
    it("name characters", () => expect(problem("-leading", img).field).toBe("name"))
    it("reserved label prefixes", () => {
      for (const key of ["sandbox.id", "microsandbox.x", "service.name"]) {
        expect(problem("n", img, SandboxConfig.label(key, "v")).field).toBe("labels")
      }
      expect(
        Either.isRight(
          SandboxConfig.validate("n", SandboxConfig.make(img, SandboxConfig.label("app.sandbox", "v")))
        )
      )
        .toBe(true)
    })
    it("image and snapshot: both", () =>
      expect(problem("n", img, SandboxConfig.fromSnapshot("snap")).field).toBe("snapshot"))
    it("image and snapshot: neither", () => expect(problem("n").field).toBe("image"))
    it("OCI upper size without an OCI image", () => {
      expect(problem("n", SandboxConfig.image("/rootfs"), SandboxConfig.ociUpperSize(100)).field).toBe(
        "ociUpperSizeMib"
      )
      expect(problem("n", SandboxConfig.fromSnapshot("s"), SandboxConfig.ociUpperSize(100)).field).toBe(
        "ociUpperSizeMib"
      )
    })
    it("patches with a disk-image root", () => {
      expect(
        problem("n", SandboxConfig.image("/images/root.qcow2"), SandboxConfig.patches(Patch.mkdir("/a")))
          .field
      )
        .toBe("patches")
      expect(
        problem(
          "n",
          SandboxConfig.imageDisk("/images/root.img", "ext4"),
          SandboxConfig.patches(Patch.mkdir("/a"))
        )
          .field
      ).toBe("patches")
    })
    it("relative guest paths", () => {
      expect(problem("n", img, SandboxConfig.workdir("app")).field).toBe("workdir")
      expect(problem("n", img, SandboxConfig.patches(Patch.text("etc/x", ""))).field).toBe("patches")
      expect(problem("n", img, SandboxConfig.mounts({ data: Mount.tmpfs() })).field).toBe("mounts")
    })
    it("ports out of range", () => {
      expect(problem("n", img, SandboxConfig.ports({ 70000: 80 })).field).toBe("ports")
      expect(problem("n", img, SandboxConfig.ports({ 8080: 0 })).field).toBe("ports")
      expect(problem("n", img, SandboxConfig.portsUdp({ 53: 65536 })).field).toBe("portsUdp")
      expect(problem("n", img, SandboxConfig.portBindings({ hostPort: 0, guestPort: 80 })).field).toBe(
        "portBindings"
      )
    })
    it("non-absolute init command", () => {
      expect(problem("n", img, SandboxConfig.init(Init.cmd("init"))).field).toBe("init")
      expect(
        Either.isRight(SandboxConfig.validate("n", SandboxConfig.make(img, SandboxConfig.init(Init.auto()))))
      )
        .toBe(true)
    })
    it("resources, reserved environment, secrets without hosts", () => {
      expect(problem("n", img, SandboxConfig.memory(0)).field).toBe("memoryMib")
      expect(problem("n", img, SandboxConfig.cpus(300)).field).toBe("cpus")
      expect(problem("n", img, SandboxConfig.cpus(4), SandboxConfig.maxCpus(2)).field).toBe("maxCpus")
      expect(problem("n", img, SandboxConfig.env({ MSB_TOKEN: "x" })).field).toBe("env")
      expect(problem("n", img, SandboxConfig.secrets(Secret.env("K", "v", {}))).field).toBe("secrets")
    })
  })

  // Documents the real runtime (0.6.14) persisted, kept verbatim in test/fixtures/real.
  const realDocument = (name: string) =>
    readFileSync(join(__dirname, "..", "fixtures", "real", `config-${name}.json`), "utf8")

  it("parses the real runtime's persisted config: every option the runtime keeps", () => {
    const config = Either.getOrThrow(SandboxConfig.fromPersisted(realDocument("rich1")))
    expect(config).toEqual({
      image: "/tmp/rootfs",
      cpus: 2,
      memoryMib: 1024,
      maxCpus: 2,
      maxMemoryMib: 1024,
      workdir: "/app",
      shell: "/bin/ash",
      scripts: { setup: "echo setup" },
      entrypoint: ["/bin/sh", "-c"],
      cmd: ["echo hi"],
      hostname: "box",
      user: "nobody",
      logLevel: "debug",
      env: { A: "1", B: "two words" },
      labels: { team: "x" },
      mounts: {
        "/data": { _tag: "bind", hostPath: "/tmp", statVirtualization: "strict", hostPermissions: "private" }
      },
      ports: { "8080": 80 },
      pullPolicy: "never",
      securityProfile: "default",
      deploymentProfile: "single-tenant",
      maxDuration: Duration.seconds(3600),
      idleTimeout: Duration.seconds(600)
    })
  })

  it("parses the real runtime's defaults: unset limits are null, not zero", () => {
    const config = Either.getOrThrow(SandboxConfig.fromPersisted(realDocument("probe2")))
    expect(config.image).toBe("/tmp/rootfs")
    expect(config.maxDuration).toBeUndefined()
    expect(config.idleTimeout).toBeUndefined()
    expect(config.pullPolicy).toBe("if-missing")
    expect(config.deploymentProfile).toBe("single-tenant")
    expect(config.env).toBeUndefined()
  })

  it("refuses what the runtime does not write, with the decoder's reason", () => {
    expect(Either.isLeft(SandboxConfig.fromPersisted("not json"))).toBe(true)
    const rich = JSON.parse(realDocument("rich1"))
    const wrong = (patch: Record<string, unknown>) =>
      SandboxConfig.fromPersisted(JSON.stringify({ ...rich, ...patch }))
    // the double's old shapes
    expect(Either.isLeft(wrong({ env: { A: "1" } }))).toBe(true)
    expect(Either.isLeft(wrong({ pull_policy: "if-missing" }))).toBe(true)
    expect(Either.isLeft(wrong({ image: { Bind: "/tmp/rootfs" } }))).toBe(true)
    const left = wrong({ deployment_profile: "single-tenant" })
    expect(Either.isLeft(left) && left.left).toContain("deployment_profile")
  })
})
