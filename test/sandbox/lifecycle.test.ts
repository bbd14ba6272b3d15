import { describe, expect, layer } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { existsSync, readFileSync } from "node:fs"
import * as Patch from "../../src/Patch.js"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as SandboxFilter from "../../src/SandboxFilter.js"
import * as Double from "../support/double.js"

const alpine = SandboxConfig.image("alpine")

describe("Sandbox lifecycle", () => {
  layer(Double.layer(), { excludeTestServices: true })((it) => {
    it.scoped("make boots a running sandbox; its methods act on it", () =>
      Effect.gen(function*() {
        const sb = yield* Sandbox.make("life-1", alpine, SandboxConfig.label("suite", "life"))
        expect(sb.name).toBe("life-1")
        expect(yield* sb.ownsLifecycle).toBe(true)
        expect(yield* sb.ownsLifecycleOrFalse).toBe(true)
        const ping = yield* sb.ping
        expect(ping.name).toBe("life-1")
        expect(Duration.toMillis(ping.latency)).toBeGreaterThan(0)
        const t1 = yield* sb.touch
        const t2 = yield* sb.touch
        expect(t2.activitySeq).toBeGreaterThan(t1.activitySeq)
        const info = yield* sb.info
        expect(info.status).toBe("running")
        expect(Option.isSome(info.createdAt)).toBe(true)
        expect(Either.getOrThrow(info.config).labels).toEqual({ suite: "life" })
        yield* sb.stop()
        expect(yield* Double.status("life-1")).toBe("stopped")
        // Stop leaves the handle open (status queries still work), and the result is observable.
        const result = yield* sb.waitUntilStopped
        expect(result.status).toBe("stopped")
        expect(result.source).toEqual(Option.some("owned process wait"))
        expect(result.exitCode).toEqual(Option.some(0))
      }))

    it.scoped("kill, requestKill, requestStop and requestDrain reach a terminal state", () =>
      Effect.gen(function*() {
        const a = yield* Sandbox.make("life-kill", alpine)
        yield* a.kill()
        expect(yield* Double.status("life-kill")).toBe("stopped")

        const b = yield* Sandbox.make("life-reqkill", alpine)
        yield* b.requestKill
        const rb = yield* b.waitUntilStopped
        expect(rb.exitCode).toEqual(Option.none())
        expect(rb.signal).toEqual(Option.some(9))

        const c = yield* Sandbox.make("life-reqstop", alpine)
        yield* c.requestStop
        expect(yield* Double.status("life-reqstop")).toMatch(/draining|stopped/)
        expect((yield* c.waitUntilStopped).status).toBe("stopped")

        const d = yield* Sandbox.make("life-drain", alpine)
        yield* d.requestDrain
        expect((yield* d.waitUntilStopped).status).toBe("stopped")
      }))

    it.scoped("close releases the handle now; later calls fail InvalidHandle without reaching the runtime", () =>
      Effect.gen(function*() {
        const sb = yield* Sandbox.make("life-close", alpine)
        const before = Double.counters().handles.sandbox ?? 0
        yield* sb.close
        expect(Double.counters().handles.sandbox).toBe(before - 1)
        const pings = Double.counters().calls.msb_sandbox_ping ?? 0
        const error = yield* Effect.flip(sb.ping)
        expect(error._tag).toBe("InvalidHandle")
        expect(Double.counters().calls.msb_sandbox_ping ?? 0).toBe(pings)
        expect(yield* sb.ownsLifecycleOrFalse).toBe(false)
        // Closing the owning handle shuts the VM down.
        const h = yield* Sandbox.get("life-close")
        expect((yield* h.waitUntilStopped).status).toBe("stopped")
      }))

    it.effect("get, list (newest first), listWith a label filter, remove", () =>
      Effect.gen(function*() {
        yield* Effect.scoped(Effect.gen(function*() {
          yield* Sandbox.make("list-a", alpine, SandboxConfig.labels({ team: "x", tier: "1" }))
          yield* Sandbox.make("list-b", alpine, SandboxConfig.labels({ team: "x", tier: "2" }))
          yield* Sandbox.make("list-c", alpine, SandboxConfig.labels({ team: "y", tier: "1" }))
        }))
        const all = (yield* Sandbox.list).map((h) => h.name).filter((n) => n.startsWith("list-"))
        expect(all).toEqual(["list-c", "list-b", "list-a"])
        const teamX = yield* Sandbox.listWith(SandboxFilter.make().withLabel("team", "x"))
        expect(teamX.map((h) => h.name)).toEqual(["list-b", "list-a"])
        const both = yield* Sandbox.listWith(SandboxFilter.make({ labels: { team: "x", tier: "1" } }))
        expect(both.map((h) => h.name)).toEqual(["list-a"])
        const page = yield* Sandbox.listPage(
          SandboxFilter.empty.pipe(SandboxFilter.label("team", "x"), SandboxFilter.limit(1))
        )
        expect(page.sandboxes.map((h) => h.name)).toEqual(["list-b"])
        expect(Option.isSome(page.nextCursor)).toBe(true)
        const next = yield* Sandbox.listPage(
          SandboxFilter.make({ labels: { team: "x" }, limit: 1 }).withCursor(
            Option.getOrThrow(page.nextCursor)
          )
        )
        expect(next.sandboxes.map((h) => h.name)).toEqual(["list-a"])
        expect(Option.isNone(next.nextCursor)).toBe(true)

        const h = yield* Sandbox.get("list-a")
        expect(h.status).toBe("stopped")
        yield* Sandbox.remove("list-a")
        expect((yield* Effect.flip(Sandbox.get("list-a")))._tag).toBe("SandboxNotFound")
        yield* h.refresh.pipe(Effect.flip, Effect.map((e) => expect(e._tag).toBe("SandboxNotFound")))
      }))

    it.effect("typed errors: SandboxNotFound, SandboxStillRunning, SandboxAlreadyExists", () =>
      Effect.gen(function*() {
        expect((yield* Effect.flip(Sandbox.get("nobody")))._tag).toBe("SandboxNotFound")
        expect((yield* Effect.flip(Sandbox.remove("nobody")))._tag).toBe("SandboxNotFound")
        yield* Effect.scoped(Effect.gen(function*() {
          yield* Sandbox.make("clash", alpine)
          const running = yield* Effect.flip(Sandbox.remove("clash"))
          expect(running._tag).toBe("SandboxStillRunning")
          const clash = yield* Effect.flip(Sandbox.make("clash", alpine))
          expect(clash._tag).toBe("SandboxAlreadyExists")
          expect(clash.sandbox).toBe("clash")
          const again = yield* Effect.flip(Effect.scoped(Sandbox.start("clash")))
          expect(again._tag).toBe("SandboxStillRunning")
        }))
        // Stopped: the name is still taken until removed.
        expect((yield* Effect.flip(Effect.scoped(Sandbox.make("clash", alpine))))._tag).toBe(
          "SandboxAlreadyExists"
        )
        const notRunning = yield* Effect.flip(Effect.scoped(Sandbox.connect("clash")))
        expect(notRunning._tag).toBe("SandboxNotRunning")
        const byName = yield* Sandbox.get("clash")
        expect((yield* Effect.flip(byName.ping))._tag).toBe("SandboxNotRunning")
        expect((yield* Effect.flip(byName.metrics))._tag).toBe("SandboxNotRunning")
      }))

    it.effect("start and startDetached boot a stopped sandbox; the handle connects, stops, kills, removes", () =>
      Effect.gen(function*() {
        yield* Effect.scoped(Sandbox.make("restart", alpine))
        expect(yield* Double.status("restart")).toBe("stopped")
        yield* Effect.scoped(Effect.gen(function*() {
          const sb = yield* Sandbox.start("restart")
          expect(yield* sb.ownsLifecycle).toBe(true)
          expect(yield* Double.status("restart")).toBe("running")
        }))
        expect(yield* Double.status("restart")).toBe("stopped")

        const handle = yield* Sandbox.get("restart")
        yield* Effect.scoped(
          handle.startDetached.pipe(
            Effect.flatMap((sb) => sb.ownsLifecycle),
            Effect.map((o) => expect(o).toBe(false))
          )
        )
        // Detached: still running after its Scope.
        expect(yield* Double.status("restart")).toBe("running")
        const viaConnect = yield* Effect.scoped(Effect.gen(function*() {
          const sb = yield* handle.connect
          expect(yield* sb.ownsLifecycle).toBe(false)
          return (yield* sb.ping).name
        }))
        expect(viaConnect).toBe("restart")
        expect(yield* Double.status("restart")).toBe("running")
        const fresh = yield* handle.refresh
        expect(fresh.status).toBe("running")
        expect((yield* fresh.touch).name).toBe("restart")
        expect((yield* fresh.ping).name).toBe("restart")
        expect((yield* fresh.metrics).memoryLimitBytes).toBe(512 * 1024 * 1024)
        yield* fresh.requestDrain
        yield* fresh.waitUntilStopped
        yield* Effect.scoped(handle.start)
        yield* handle.requestStop
        const stopped = yield* handle.waitUntilStopped
        expect(stopped.source).toEqual(Option.some("refreshed backend state"))
        yield* Effect.scoped(handle.startDetached)
        yield* handle.requestKill
        yield* handle.waitUntilStopped
        yield* Effect.scoped(handle.startDetached)
        yield* handle.kill()
        expect(yield* Double.status("restart")).toBe("stopped")
        yield* Effect.scoped(handle.startDetached)
        yield* handle.stop({ timeout: "2 seconds" })
        expect(yield* Double.status("restart")).toBe("stopped")
        yield* handle.remove
        expect(yield* Double.status("restart")).toBe("gone")
      }))

    it.effect("replace stops the old sandbox and creates a new one", () =>
      Effect.gen(function*() {
        yield* Effect.scoped(Effect.gen(function*() {
          const first = yield* Sandbox.make(
            "replaced",
            alpine,
            SandboxConfig.detached(),
            SandboxConfig.label("gen", "1")
          )
          yield* first.detach
        }))
        expect(yield* Double.status("replaced")).toBe("running")
        yield* Effect.scoped(Effect.gen(function*() {
          yield* Sandbox.make(
            "replaced",
            alpine,
            SandboxConfig.replaceWithTimeout("1 second"),
            SandboxConfig.label("gen", "2")
          )
          const h = yield* Sandbox.get("replaced")
          expect(Either.getOrThrow(h.config).labels).toEqual({ gen: "2" })
          expect(h.status).toBe("running")
        }))
        expect(yield* Double.status("replaced")).toBe("stopped")
      }))

    it.effect("ephemeral sandboxes are removed once stopped", () =>
      Effect.gen(function*() {
        yield* Effect.scoped(Effect.gen(function*() {
          yield* Sandbox.make("eph", alpine, SandboxConfig.ephemeral())
          expect(yield* Double.status("eph")).toBe("running")
        }))
        expect(yield* Double.status("eph")).toBe("gone")
      }))

    it.effect("max duration and idle timeout stop the sandbox by themselves", () =>
      Effect.gen(function*() {
        yield* Effect.scoped(Effect.gen(function*() {
          const a = yield* Sandbox.make("maxdur", alpine, SandboxConfig.maxDuration("1 second"))
          const b = yield* Sandbox.make("idle", alpine, SandboxConfig.idleTimeout("1 second"))
          const [ra, rb] = yield* Effect.all([a.waitUntilStopped, b.waitUntilStopped], { concurrency: 2 })
          expect([ra.status, rb.status]).toEqual(["stopped", "stopped"])
        }))
        expect(Double.systemLog("maxdur")).toContain("maximum duration reached")
        expect(Double.systemLog("idle")).toContain("idle timeout reached")
      }))

    it.scoped("patches are applied to the root filesystem before boot", () =>
      Effect.gen(function*() {
        yield* Sandbox.make(
          "patched",
          alpine,
          SandboxConfig.patches(
            Patch.mkdir("/app/data"),
            Patch.text("/app/hello.txt", "hi\n", { mode: 0o600 })
          )
        )
        expect(existsSync(`${Double.rootfs("patched")}/app/data`)).toBe(true)
        expect(readFileSync(`${Double.rootfs("patched")}/app/hello.txt`, "utf8")).toBe("hi\n")
      }))

    it.effect("a boot that fails for host reasons is BootFailed, with the system log; the sandbox is left stopped", () =>
      Effect.gen(function*() {
        yield* Double.configure({
          boot_fail: "kvm: KVM_EXIT_INTERNAL_ERROR (emulation failure)\nguest kernel did not start"
        })
        const error = yield* Effect.flip(Effect.scoped(Sandbox.make("bootfail", alpine)))
        yield* Double.configure({ boot_fail: null })
        expect(error._tag).toBe("BootFailed")
        if (error._tag === "BootFailed") {
          expect(error.reason).toBe("KvmInternalError")
          expect(error.systemLog).toContain("kvm: KVM_EXIT_INTERNAL_ERROR (emulation failure)")
          expect(error.systemLog).toContain("guest kernel did not start")
          expect(error.message).toMatch(
            /^the sandbox did not boot: .*failed to start "[^"]+": sandbox process exited \(exit status: 1\) before agent relay became available$/
          )
        }
        expect(yield* Double.status("bootfail")).toBe("stopped")
        // Starting it again fails the same way, classified by what this boot logged.
        yield* Effect.sleep("1100 millis")
        yield* Double.configure({ boot_fail: "the guest is not coming" })
        const again = yield* Effect.flip(Effect.scoped(Sandbox.start("bootfail")))
        yield* Double.configure({ boot_fail: null })
        expect(again._tag).toBe("BootFailed")
        if (again._tag === "BootFailed") expect(again.reason).toBe("ExitedBeforeRelay")
      }))

    it.effect("a guest that crashes is reported as crashed", () =>
      Effect.gen(function*() {
        yield* Double.configure({ crash_after_ms: 200 })
        const result = yield* Effect.scoped(Effect.gen(function*() {
          const sb = yield* Sandbox.make("crasher", alpine)
          return yield* sb.waitUntilStopped
        }))
        yield* Double.configure({ crash_after_ms: null })
        expect(result.signal).toEqual(Option.some(6))
        expect(yield* Double.status("crasher")).toBe("crashed")
      }))

    it.effect("allMetrics lists running sandboxes by name", () =>
      Effect.gen(function*() {
        yield* Effect.scoped(Effect.gen(function*() {
          yield* Sandbox.make("m-1", alpine, SandboxConfig.memory(256))
          const all = yield* Sandbox.allMetrics
          expect(all.get("m-1")?.memoryLimitBytes).toBe(256 * 1024 * 1024)
        }))
        expect((yield* Sandbox.allMetrics).has("m-1")).toBe(false)
      }))
  })
})
