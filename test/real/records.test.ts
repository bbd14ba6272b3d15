// The real runtime's C-ABI library, on the public API, for everything that needs no booted
// VM: versions, error kinds, a create from a local root folder built by the test (a
// BootFailed where the host cannot boot microVMs, a sandbox where it can), the record it
// leaves (get, list, filters, paging, config, logs, log streams, by-name metrics, remove),
// name clashes, replace, the buffer protocol, interruption of blocking calls, and the
// race of a pre-triggered cancel id against a queued item.
//
// Runs when a real library is found (test/support/real.ts); skipped, with the reason in
// the suite's name, otherwise. Uses its own MSB_HOME and `msb` from the npm package.
import { afterAll, describe, expect, layer } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { signatureByName } from "../../src/internal/ffi/signatures.js"
import * as Microsandbox from "../../src/Microsandbox.js"
import type { MicrosandboxError } from "../../src/MicrosandboxError.js"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as SandboxFilter from "../../src/SandboxFilter.js"
import { npmMsb, realLibrary } from "../support/real.js"

const real = realLibrary()
if (real.path === undefined) console.log(`real-runtime records suite SKIPPED — ${real.reason}`)

// A private MSB_HOME (the runtime reads it when first used) and a root folder: a static
// busybox when this host has one (MSB_TEST_BUSYBOX or Debian's busybox-static), so that the
// same test boots a shell on a host with KVM; the boot fails before the guest runs here.
const home = mkdtempSync(join(tmpdir(), "msb-real-records-"))
if (real.path !== undefined) process.env.MSB_HOME = home
afterAll(() => rmSync(home, { recursive: true, force: true }))
const rootfs = join(home, "rootfs")
for (const dir of ["bin", "etc", "tmp"]) mkdirSync(join(rootfs, dir), { recursive: true })
const busybox = [process.env.MSB_TEST_BUSYBOX, "/bin/busybox", "/usr/bin/busybox"].find((p) =>
  p !== undefined && existsSync(p)
)
if (busybox !== undefined) {
  copyFileSync(busybox, join(rootfs, "bin", "busybox"))
  symlinkSync("busybox", join(rootfs, "bin", "sh"))
}

const run = `r${process.pid}`
const nameA = `${run}-a`
const nameB = `${run}-b`
const labels = SandboxConfig.labels({ suite: run })

const failure = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const e = Option.getOrUndefined(
    Exit.causeOption(exit).pipe(Option.flatMap((c) =>
      Option.fromNullable(
        c._tag === "Fail" ? c.error : undefined
      )
    ))
  )
  if (e === undefined) throw new Error(`unexpected cause: ${String(exit)}`)
  return e
}

/** A create that boots: a sandbox on a host with KVM (stopped again by its scope), BootFailed here. */
const boot = (name: string, ...options: ReadonlyArray<SandboxConfig.Option>) =>
  Effect.exit(
    Effect.scoped(Effect.asVoid(Sandbox.make(name, SandboxConfig.image(rootfs), labels, ...options)))
  )

const expectBootOutcome = (exit: Exit.Exit<void, MicrosandboxError>) => {
  if (Exit.isSuccess(exit)) return "booted" as const
  const error = failure(exit)
  expect(error._tag).toBe("BootFailed")
  if (error._tag === "BootFailed") {
    // the runtime's own words, and the system log of that boot
    expect(error.message).toMatch(/failed to start "[^"]+": /)
    // the runtime's own lines of that boot (its closing "--- sandbox stopped ---" may be
    // written just after the create has answered)
    expect(error.systemLog.some((line) => line.includes("microsandbox_runtime::vm: sandbox starting"))).toBe(
      true
    )
    console.log(
      `real boot: ${error.reason} (${error.processExit ?? "no exit"}): ${error.systemLog.join(" | ")}`
    )
  }
  return "failed" as const
}

describe.skipIf(real.path === undefined)(
  `records and errors against the real library${real.path === undefined ? ` (skipped: ${real.reason})` : ""}`,
  () => {
    layer(Microsandbox.layer({ libraryPath: real.path, msbPath: npmMsb() }), {
      timeout: 600_000,
      excludeTestServices: true
    })((it) => {
      it.effect("the real library: its version is the SDK's, the backend is local", () =>
        Effect.gen(function*() {
          const svc = yield* Microsandbox.Microsandbox
          expect(svc.isTestDouble).toBe(false)
          expect(yield* Microsandbox.runtimeVersion).toBe(Microsandbox.sdkVersion)
          expect((yield* Microsandbox.backendInfo).kind).toBe("local")
        }))

      it.effect("every error kind the runtime gives without a VM", () =>
        Effect.gen(function*() {
          const svc = yield* Microsandbox.Microsandbox
          const raw = (name: Parameters<typeof svc.native.call>[0], args: ReadonlyArray<string | bigint>) =>
            Effect.flip(svc.native.call(name, args, { operation: "test" }))
          expect((yield* Effect.flip(Sandbox.get(`${run}-missing`)))._tag).toBe("SandboxNotFound")
          const badJson = yield* raw("msb_sandbox_create", [`${run}-x`, "{not json"])
          expect(badJson._tag).toBe("InvalidArgument")
          expect(badJson.message).toMatch(/^invalid opts JSON: /)
          const badEnum = yield* raw("msb_sandbox_create", [
            `${run}-x`,
            JSON.stringify({ image: rootfs, pull_policy: "sometimes" })
          ])
          expect([badEnum._tag, badEnum.message]).toEqual([
            "InvalidArgument",
            "unknown pull policy: sometimes"
          ])
          const badRange = yield* raw("msb_sandbox_create", [
            `${run}-x`,
            JSON.stringify({ image: rootfs, cpus: 300 })
          ])
          expect(badRange._tag).toBe("InvalidArgument")
          expect(badRange.message).toContain("u8")
          const badHandle = yield* raw("msb_sandbox_wait_until_stopped", [987654321n])
          expect([badHandle._tag, badHandle.message]).toEqual([
            "InvalidHandle",
            "unknown sandbox handle: 987654321"
          ])
          // owns-lifecycle answers for any number: an unknown handle does not own anything
          expect(yield* svc.native.call("msb_sandbox_owns_lifecycle", [987654321n])).toBe(`{"owns":false}`)
          // none of these left a record
          expect((yield* Effect.flip(Sandbox.get(`${run}-x`)))._tag).toBe("SandboxNotFound")
        }))

      it.effect("a create from a local root folder boots where KVM works, else BootFailed with the runtime's log; interruption of blocking calls meanwhile", () =>
        Effect.gen(function*() {
          const svc = yield* Microsandbox.Microsandbox
          const baseline = svc.native.executor.liveCancelIds
          const a = yield* Effect.fork(boot(nameA, SandboxConfig.env({ A: "1" })))
          // While A boots: a wait-until-stopped by name and a follow log stream block; both
          // are interrupted before the boot ends, and leave no cancel id registered.
          yield* Effect.retry(
            Sandbox.get(nameA),
            Schedule.spaced(Duration.millis(50)).pipe(Schedule.upTo("60 seconds"))
          )
          const waiting = yield* Effect.fork(Effect.flatMap(Sandbox.get(nameA), (h) => h.waitUntilStopped))
          const following = yield* Effect.fork(
            Effect.flatMap(
              Sandbox.get(nameA),
              (h) => Stream.runDrain(h.logStream({ sources: ["system"], follow: true }))
            )
          )
          yield* Effect.sleep("300 millis")
          const stillBooting = (yield* Sandbox.get(nameA)).status
          yield* Fiber.interrupt(waiting)
          yield* Fiber.interrupt(following)
          const afterInterrupt = svc.native.executor.liveCancelIds
          const outcome = expectBootOutcome(yield* Fiber.join(a))
          expect(["running", "draining"]).toContain(stillBooting)
          // only the create itself may still hold its id at that point
          expect(afterInterrupt - baseline).toBeLessThanOrEqual(1)
          expect(svc.native.executor.liveCancelIds).toBe(baseline)
          if (outcome === "booted") return
          const handle = yield* Sandbox.get(nameA)
          expect(handle.status).toBe("stopped")
        }))

      it.effect("the record: get, config (raw and parsed), list, filters, paging, logs, log stream and its cursor, by-name metrics", () =>
        Effect.gen(function*() {
          expectBootOutcome(yield* boot(nameB))
          const handle = yield* Sandbox.get(nameA)
          const persisted = JSON.parse(handle.configJson) as Record<string, unknown>
          expect(persisted.env).toEqual([{ key: "A", value: "1" }])
          expect(persisted.image).toEqual({ Bind: { path: rootfs, follow_root_symlinks: false } })
          const config = Either.getOrThrow(handle.config)
          expect(config).toMatchObject({ image: rootfs, env: { A: "1" }, labels: { suite: run } })
          expect(Option.isSome(handle.createdAt)).toBe(true)

          const mine = (yield* Sandbox.list).filter((h) => h.name.startsWith(run)).map((h) => h.name)
          expect(mine).toEqual([nameB, nameA]) // newest first
          const filtered = yield* Sandbox.listWith(SandboxFilter.label(SandboxFilter.empty, "suite", run))
          expect(filtered.map((h) => h.name)).toEqual([nameB, nameA])
          const first = yield* Sandbox.listPage(SandboxFilter.make({ labels: { suite: run }, limit: 1 }))
          expect(first.sandboxes.map((h) => h.name)).toEqual([nameB])
          expect(Option.isSome(first.nextCursor)).toBe(true)
          const second = yield* Sandbox.listPage(
            SandboxFilter.make({
              labels: { suite: run },
              limit: 1,
              cursor: Option.getOrThrow(first.nextCursor)
            })
          )
          expect(second.sandboxes.map((h) => h.name)).toEqual([nameA])
          expect(
            (yield* Sandbox.listWith(SandboxFilter.label(SandboxFilter.empty, "suite", "nobody"))).length
          ).toBe(0)

          const logs = yield* handle.logs({ sources: ["system"] })
          expect(logs.length).toBeGreaterThan(1)
          expect(logs.every((e) => e.source === "system")).toBe(true)
          // The same entries; a read merges its files by time, a stream reads file after
          // file (the runtime's exec.log entry, "--- sandbox stopped ---", comes first).
          const streamed = Chunk.toReadonlyArray(
            yield* Stream.runCollect(handle.logStream({ sources: ["system"] }))
          )
          expect(streamed.map((e) => e.text).sort()).toEqual(logs.map((e) => e.text).sort())
          const resumed = yield* Stream.runCollect(
            handle.logStream({ sources: ["system"], afterCursor: streamed[0]!.cursor })
          )
          expect(Chunk.toReadonlyArray(resumed).map((e) => e.text)).toEqual(
            streamed.slice(1).map((e) => e.text)
          )

          const metrics = yield* Effect.flip(handle.metrics)
          expect([metrics._tag, metrics.message]).toEqual([
            "SandboxNotRunning",
            `sandbox '${nameA}' is not running (status: Stopped)`
          ])
        }))

      it.effect("a name clash is SandboxAlreadyExists before any boot; replace boots again", () =>
        Effect.gen(function*() {
          const clash = failure(yield* boot(nameA))
          expect(clash._tag).toBe("SandboxAlreadyExists")
          expect(clash.message).toContain(`sandbox '${nameA}' already exists`)
          const before = (yield* Sandbox.get(nameA)).createdAt
          expectBootOutcome(yield* boot(nameA, SandboxConfig.replace()))
          const after = (yield* Sandbox.get(nameA)).createdAt
          expect(Option.getOrThrow(after).getTime()).toBeGreaterThanOrEqual(
            Option.getOrThrow(before).getTime()
          )
          expect(JSON.parse((yield* Sandbox.get(nameA)).configJson).env).toEqual([])
        }))

      it.effect("buffer_too_small on a read-only export: the call is retried with the size asked for", () =>
        Effect.gen(function*() {
          const svc = yield* Microsandbox.Microsandbox
          const raw = svc.native.executor.callNow(signatureByName.get("msb_sandbox_lookup")!, [nameA], 16)
          expect(raw.t).toBe("err")
          if (raw.t === "err") expect(JSON.parse(raw.text).kind).toBe("buffer_too_small")
          const text = yield* svc.native.call("msb_sandbox_lookup", [nameA], { bufferSize: 16 })
          expect(JSON.parse(text).name).toBe(nameA)
        }))

      it.effect("how often a pre-triggered cancel id wins over a queued log item (the runtime's unbiased select)", () =>
        Effect.gen(function*() {
          const svc = yield* Microsandbox.Microsandbox
          const recv = signatureByName.get("msb_log_recv")!
          let items = 0
          let cancelled = 0
          for (let round = 0; round < 20; round++) {
            const opened = JSON.parse(
              yield* svc.native.call("msb_sandbox_handle_log_stream", [
                nameA,
                JSON.stringify({ sources: ["system"] })
              ])
            ) as { stream_handle: number }
            const handle = BigInt(opened.stream_handle)
            yield* Effect.sleep("100 millis") // let the runtime queue the history
            let done = false
            for (let attempt = 0; !done && attempt < 10_000; attempt++) {
              const outcome = svc.native.executor.tryNow(recv, [handle], recv.buffer)
              if (outcome === null) {
                cancelled++
                continue
              }
              if (outcome.t !== "ok" || "done" in JSON.parse(outcome.json)) done = true
              else items++
            }
            yield* svc.native.call("msb_log_close", [handle])
          }
          const rate = cancelled / (cancelled + items)
          console.log(
            `pre-triggered receives: ${items} items, ${cancelled} cancelled (${
              (rate * 100).toFixed(1)
            }% lost)`
          )
          expect(items).toBeGreaterThan(0)
          // unbiased: the cancel id wins a fair share, neither never nor always
          expect(cancelled).toBeGreaterThan(0)
          expect(rate).toBeLessThan(0.9)
        }))

      it.effect("remove: the record is gone", () =>
        Effect.gen(function*() {
          yield* Sandbox.remove(nameA)
          yield* Sandbox.remove(nameB)
          expect((yield* Effect.flip(Sandbox.get(nameA)))._tag).toBe("SandboxNotFound")
          expect((yield* Effect.flip(Sandbox.remove(nameB)))._tag).toBe("SandboxNotFound")
        }))
    })
  }
)
