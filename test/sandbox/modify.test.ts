import { afterAll, describe, expect, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Microsandbox } from "../../src/Microsandbox.js"
import * as Modification from "../../src/Modification.js"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as Secret from "../../src/Secret.js"
import * as Double from "../support/double.js"

const calls = (fn: string) => Double.counters().calls[fn] ?? 0
const persisted = (name: string) =>
  Effect.map(Sandbox.get(name), (h) => ({ status: h.status, config: JSON.parse(h.configJson) }))

afterAll(() => {
  expect(Double.outstanding()).toEqual(Double.nothingOutstanding)
})

describe("Sandbox.modify", () => {
  layer(Double.layer(), { excludeTestServices: true })((it) => {
    it.effect("a dry run on a running sandbox plans, classifies, and changes nothing", () =>
      Effect.scoped(Effect.gen(function*() {
        const sandbox = yield* Sandbox.make(
          "mod-dry",
          SandboxConfig.image("alpine"),
          SandboxConfig.cpus(1),
          SandboxConfig.env({ A: "1" }),
          SandboxConfig.labels({ team: "x" })
        )
        const plan = yield* sandbox.modify({
          cpus: 2,
          memoryMib: 2048,
          env: { A: "1", B: "2" },
          labels: { team: "y" },
          labelsRemove: ["absent"],
          workdir: "/app"
        }, { dryRun: true })
        expect(plan).toBeInstanceOf(Modification.ModificationPlan)
        expect([plan.sandbox, plan.status, plan.applied, plan.policy]).toEqual([
          "mod-dry",
          "running",
          false,
          "no_restart"
        ])
        const rows = plan.changes.map((c) => [c.field, c.change, c.disposition])
        expect(rows).toEqual([
          ["cpus", "updated", "requires restart"],
          ["max_cpus", "updated", "requires restart"],
          ["memory", "updated", "requires restart"],
          ["max_memory", "updated", "requires restart"],
          ["env", "added", "requires restart"],
          ["label", "updated", "requires restart"],
          ["workdir", "added", "requires restart"]
        ])
        const cpus = plan.changes[0]!
        expect(cpus.kind).toBe("config")
        if (cpus.kind === "config") {
          expect([Option.getOrNull(cpus.before), Option.getOrNull(cpus.after)]).toEqual(["1", "2"])
          expect(Option.getOrNull(cpus.reason)).toContain("exceeds the active max capacity 1")
        }
        const mem = plan.changes[2]!
        if (mem.kind === "config") {
          expect([Option.getOrNull(mem.before), Option.getOrNull(mem.after)]).toEqual(["512 MiB", "2 GiB"])
        }
        expect(plan.warnings.map((w) => w.field)).toEqual(["cpus", "memory"])
        expect(plan.conflicts).toEqual([])
        expect(Modification.requiresRestart(plan)).toBe(true)
        expect(Modification.isRefused(plan)).toBe(true)
        const after = yield* persisted("mod-dry")
        // the runtime's persisted form: env is a list of {key, value}
        expect([after.config.resources.cpus, after.config.env, after.config.labels]).toEqual([
          1,
          [{ key: "A", value: "1" }],
          { team: "x" }
        ])
      })))

    it.effect("policies: no_restart refuses a restart, next_start persists and leaves the VM, restart reboots", () =>
      Effect.scoped(Effect.gen(function*() {
        const sandbox = yield* Sandbox.make("mod-pol", SandboxConfig.image("alpine"))
        const refused = yield* Effect.flip(sandbox.modify({ cpus: 2 }))
        expect([refused._tag, refused.message]).toEqual([
          "Internal",
          "cannot apply modification: cpus requires restart"
        ])
        expect((yield* persisted("mod-pol")).config.resources.cpus).toBe(1)

        const next = yield* sandbox.modify({ cpus: 2, env: { MODE: "fast" } }, { policy: "next_start" })
        expect(next.applied).toBe(true)
        expect(next.changes.map((c) => c.disposition)).toEqual(["next start", "next start", "next start"])
        const p1 = yield* persisted("mod-pol")
        expect([p1.status, p1.config.resources.cpus, p1.config.resources.max_cpus, p1.config.env]).toEqual([
          "running",
          2,
          2,
          [{ key: "MODE", value: "fast" }]
        ])
        yield* sandbox.ping

        const vmPid = () =>
          JSON.parse(readFileSync(join(process.env.MSB_HOME!, "sandboxes/mod-pol/record.json"), "utf8")).pid
        const pidBefore = vmPid()
        const restarted = yield* sandbox.pipe(Sandbox.modify({ memoryMib: 1024 }, { policy: "restart" }))
        expect(restarted.applied).toBe(true)
        expect(restarted.changes[0]!.disposition).toBe("requires restart")
        const p2 = yield* persisted("mod-pol")
        expect([p2.status, p2.config.resources.memory_mib]).toEqual(["running", 1024])
        // A new VM (detached by the runtime): reachable by name, and stopped here.
        const handle = yield* Sandbox.get("mod-pol")
        expect((yield* handle.ping).name).toBe("mod-pol")
        expect(vmPid()).not.toBe(pidBefore)
        yield* handle.stop()
      })))

    it.effect("by name on a stopped sandbox: next start, persisted, stays stopped; secrets; conflicts", () =>
      Effect.gen(function*() {
        yield* Effect.scoped(Sandbox.make(
          "mod-stopped",
          SandboxConfig.image("alpine"),
          SandboxConfig.secrets(Secret.env("TOKEN", "t0", { allowHosts: ["api.example.com"] }))
        ))
        const handle = yield* Sandbox.get("mod-stopped")
        expect(handle.status).toBe("stopped")
        const plan = yield* handle.modify({
          labels: { env: "prod" },
          rootDiskSizeMib: 8192,
          secrets: [
            Modification.secret("TOKEN", { value: "t1" }),
            Modification.secret("NEW", { fromEnv: "HOST_NEW", allowedHosts: ["x.example.com"] })
          ]
        })
        expect(plan.applied).toBe(true)
        expect(plan.status).toBe("stopped")
        expect(plan.changes.map((c) => [c.kind, c.field, c.change, c.disposition])).toEqual([
          ["config", "root_disk_size", "updated", "next start"],
          ["config", "label", "added", "next start"],
          ["secret", "secret", "rotated", "next start"],
          ["secret", "secret", "added", "next start"]
        ])
        const added = plan.changes[3]!
        if (added.kind === "secret") {
          expect([Option.getOrNull(added.beforeRef), Option.getOrNull(added.afterRef)]).toEqual([
            null,
            "$MSB_NEW"
          ])
          expect(added.allowHosts).toEqual(["x.example.com"])
        }
        const rotated = plan.changes[2]!
        if (rotated.kind === "secret") expect(rotated.allowHosts).toEqual(["api.example.com"])
        const p = yield* persisted("mod-stopped")
        expect([p.status, p.config.labels, p.config.secrets]).toEqual(["stopped", { env: "prod" }, [
          "TOKEN",
          "NEW"
        ]])
        expect(p.config.image.Oci.root_disk).toEqual({ kind: "managed", size_mib: 8192 })

        // Conflicts: listed by a dry run, refused by an apply.
        const conflicted = yield* handle.modify({
          env: { A: "1" },
          envRemove: ["A"],
          rootDiskSizeMib: 4096,
          secretsRemove: ["TOKEN"],
          secrets: [
            Modification.secret("TOKEN", { value: "x" }),
            Modification.secret("LONELY", { value: "v" })
          ]
        }, { dryRun: true })
        expect(conflicted.conflicts.map((c) => c.message)).toEqual([
          "root disk size 4 GiB is smaller than the current 8 GiB; shrink is not supported (recreate the sandbox instead)",
          "env A is both set and removed in the same modification",
          "secret TOKEN is both configured and removed in the same modification",
          "secret LONELY needs at least one allowed host"
        ])
        const refused = yield* Effect.flip(handle.modify({ env: { A: "1" }, envRemove: ["A"] }))
        expect(refused.message).toBe(
          "cannot apply modification: env A is both set and removed in the same modification"
        )
        expect((yield* handle.refresh).status).toBe("stopped")
        yield* handle.remove
      }))

    it.effect("the patch and policy are validated before the call; errors of absent and closed sandboxes", () =>
      Effect.gen(function*() {
        const before = calls("msb_sandbox_handle_modify")
        const handle = yield* Effect.scoped(Effect.gen(function*() {
          yield* Sandbox.make("mod-val", SandboxConfig.image("alpine"))
          return yield* Sandbox.get("mod-val")
        }))
        const cases: Array<[unknown, string]> = [
          [{ cpus: 0 }, "cpus"],
          [{ cpus: 256 }, "cpus"],
          [{ memoryMib: -1 }, "memoryMib"],
          [{ workdir: "relative" }, "workdir"],
          [{ secrets: [{ name: "S", fromEnv: "A", fromStore: "b" }] }, "secrets.0"],
          [{ nope: 1 }, "nope"]
        ]
        for (const [patch, field] of cases) {
          const e = yield* Effect.flip(handle.modify(patch as Modification.Patch))
          expect(e._tag).toBe("InvalidConfig")
          if (e._tag === "InvalidConfig") expect(e.field).toBe(field)
        }
        const policy = yield* Effect.flip(handle.modify({}, { policy: "later" as "restart" }))
        expect(policy._tag === "InvalidConfig" && policy.field).toBe("policy")
        expect(calls("msb_sandbox_handle_modify")).toBe(before)

        const absent = yield* Sandbox.get("mod-val").pipe(
          Effect.tap((h) => h.remove),
          Effect.flatMap((h) => Effect.flip(h.modify({ cpus: 2 })))
        )
        expect(absent._tag).toBe("SandboxNotFound")

        const closed = yield* Effect.scoped(Effect.gen(function*() {
          const sandbox = yield* Sandbox.make("mod-closed", SandboxConfig.image("alpine"))
          yield* sandbox.close
          const n = calls("msb_sandbox_modify")
          const e = yield* Effect.flip(sandbox.modify({ cpus: 2 }))
          expect(calls("msb_sandbox_modify")).toBe(n)
          return e
        }))
        expect(closed._tag).toBe("InvalidHandle")
        yield* Effect.ignore(Sandbox.get("mod-closed").pipe(Effect.flatMap((h) => h.kill())))
        yield* Effect.ignore(Sandbox.remove("mod-closed"))
      }))

    it.effect("the runtime's answer for a malformed request, and an empty patch", () =>
      Effect.gen(function*() {
        yield* Effect.scoped(Sandbox.make("mod-raw", SandboxConfig.image("alpine")))
        const native = (yield* Microsandbox).native
        const policy = yield* Effect.flip(
          native.call("msb_sandbox_handle_modify", ["mod-raw", JSON.stringify({ policy: "sometimes" })])
        )
        expect([policy._tag, policy.message]).toEqual([
          "InvalidArgument",
          "unknown modify policy \"sometimes\"; expected \"no_restart\", \"next_start\", or \"restart\""
        ])
        const range = yield* Effect.flip(
          native.call("msb_sandbox_handle_modify", ["mod-raw", JSON.stringify({ patch: { cpus: 300 } })])
        )
        expect(range._tag).toBe("InvalidArgument")
        const handle = yield* Sandbox.get("mod-raw")
        const empty = yield* handle.modify({})
        expect([empty.applied, empty.changes.length, empty.conflicts.length]).toEqual([true, 0, 0])
        yield* handle.remove
      }))

    it.effect("the plan document is byte-for-byte what the real runtime answered for the same request", () =>
      Effect.gen(function*() {
        // Recorded from the real runtime 0.6.14 (its napi binding, same Rust core) for a
        // stopped sandbox rooted in a host folder, labels {team: a}, env {A: 1}.
        const real =
          `{"sandbox":"mod-fixture","status":"stopped","applied":false,"policy":"no_restart","changes":[{"kind":"config","field":"cpus","change":"updated","before":"1","after":"2","disposition":"next start"},{"kind":"config","field":"max_cpus","change":"updated","before":"1","after":"2","disposition":"next start"},{"kind":"config","field":"memory","change":"updated","before":"512 MiB","after":"2 GiB","disposition":"next start"},{"kind":"config","field":"max_memory","change":"updated","before":"512 MiB","after":"2 GiB","disposition":"next start"},{"kind":"config","field":"env","change":"added","after":"B=2","disposition":"next start"},{"kind":"config","field":"label","change":"updated","before":"team=a","after":"team=b","disposition":"next start"},{"kind":"config","field":"workdir","change":"added","after":"/app","disposition":"next start"}],"conflicts":[{"field":"root_disk_size","message":"root disk size requires an OCI rootfs"}],"warnings":[]}`
        const root = mkdtempSync(join(tmpdir(), "msb-mod-root-"))
        yield* Effect.scoped(Sandbox.make(
          "mod-fixture",
          SandboxConfig.image(root),
          SandboxConfig.labels({ team: "a" }),
          SandboxConfig.env({ A: "1" })
        ))
        const native = (yield* Microsandbox).native
        const json = yield* native.call("msb_sandbox_handle_modify", [
          "mod-fixture",
          JSON.stringify({
            patch: {
              cpus: 2,
              memory_mib: 2048,
              root_disk_size_mib: 8192,
              env: [{ key: "A", value: "1" }, { key: "B", value: "2" }],
              labels: [["team", "b"]],
              labels_remove: ["absent"],
              workdir: "/app"
            },
            dry_run: true
          })
        ])
        expect(json).toBe(real)
        yield* Sandbox.remove("mod-fixture")
      }))

    it.effect("interrupting a modification cancels the native call", () =>
      Effect.gen(function*() {
        yield* Effect.scoped(Sandbox.make("mod-int", SandboxConfig.image("alpine")))
        yield* Double.fault({ fn: "msb_sandbox_handle_modify", block: true, count: 1 })
        const handle = yield* Sandbox.get("mod-int")
        const fiber = yield* Effect.fork(handle.modify({ labels: { a: "b" } }))
        yield* Double.eventually(() => (Double.counters().in_flight.msb_sandbox_handle_modify ?? 0) === 1)
        const exit = yield* Fiber.interrupt(fiber)
        expect(Exit.isInterrupted(exit)).toBe(true)
        expect(Double.counters().cancel_ids.registered).toBe(0)
        expect((yield* persisted("mod-int")).config.labels).toEqual({})
        yield* handle.remove
      }))
  })
})

describe("Modification helpers", () => {
  it("a secret's value is kept Redacted; isRefused follows the policy", () => {
    const s = Modification.secret("K", { value: "v" })
    expect(s.value !== undefined && Redacted.isRedacted(s.value)).toBe(true)
    expect(String(s.value)).toBe("<redacted>")
    const change = new Modification.ConfigChange({
      kind: "config",
      field: "cpus",
      change: "updated",
      before: Option.some("1"),
      after: Option.some("2"),
      disposition: "requires restart",
      reason: Option.none()
    })
    const plan = (policy: Modification.Policy) =>
      new Modification.ModificationPlan({
        sandbox: "x",
        status: "running",
        applied: false,
        policy,
        changes: [change],
        conflicts: [],
        warnings: [],
        resizeStatus: []
      })
    expect(Modification.isRefused(plan("no_restart"))).toBe(true)
    expect(Modification.isRefused(plan("restart"))).toBe(false)
    expect(Option.isSome(Modification.change(plan("restart"), "cpus"))).toBe(true)
  })
})
