import { describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import { existsSync } from "node:fs"
import { signatureByName, signatures } from "../../src/internal/ffi/signatures.js"
import { coreOf } from "../../src/internal/sandboxCore.js"
import { Microsandbox } from "../../src/Microsandbox.js"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as Double from "../support/double.js"

const native = Effect.map(Microsandbox, (m) => m.native)
const Handle = Schema.Struct({ handle: Schema.Number, backend_kind: Schema.String })

describe("call protocol", () => {
  layer(Double.layer(), { excludeTestServices: true })((it) => {
    it.effect("frees every error string exactly once (10,000 failing calls)", () =>
      Effect.gen(function*() {
        const n = yield* native
        const before = Double.counters()
        yield* Effect.forEach(
          Array.from({ length: 10_000 }, (_, i) => `missing-${i}`),
          (name) => Effect.flip(n.call("msb_sandbox_lookup", [name])),
          { concurrency: 16, discard: true }
        )
        const after = Double.counters()
        expect(after.strings.allocated - before.strings.allocated).toBe(10_000)
        expect(after.strings.freed - before.strings.freed).toBe(10_000)
        expect(after.strings.outstanding).toBe(0)
        expect(after.strings.bad_frees).toBe(0)
        expect(after.cancel_ids.registered).toBe(0)
      }))

    it.effect("retries a read-only call once with the size the runtime reports", () =>
      Effect.gen(function*() {
        const n = yield* native
        // A config larger than the 1 MiB default buffer, so lookup's result does not fit.
        const big = "x".repeat(1_500_000)
        const created = yield* n.callDecode("msb_sandbox_create", [
          "bigconfig",
          JSON.stringify({ image: "alpine", env: { BIG: big } })
        ], Handle)
        const before = Double.counters().calls.msb_sandbox_lookup ?? 0
        const info = yield* n.callDecode(
          "msb_sandbox_lookup",
          ["bigconfig"],
          Schema.Struct({ name: Schema.String, config_json: Schema.String })
        )
        expect(info.name).toBe("bigconfig")
        expect(info.config_json.length).toBeGreaterThan(1_500_000)
        expect((Double.counters().calls.msb_sandbox_lookup ?? 0) - before).toBe(2)
        yield* n.call("msb_sandbox_stop", [BigInt(created.handle), 5000n])
        yield* n.call("msb_sandbox_close", [BigInt(created.handle)])
        yield* n.call("msb_sandbox_remove", ["bigconfig"])
      }))

    it.effect("surfaces BufferTooSmall when even the retry does not fit", () =>
      Effect.gen(function*() {
        const n = yield* native
        // An explicit 16-byte buffer: the first try fails, the retry uses the reported size and succeeds.
        const ok = yield* n.call("msb_version", [], { bufferSize: 16 })
        expect(JSON.parse(ok)).toEqual({ version: "0.6.14" })
      }))

    it("sizes the buffer of every side-effecting export above its largest possible result", () => {
      // The largest JSON each side-effecting export can write (docs/runtime-abi.md §5): handles are
      // u64 (20 digits); exec events carry at most one 4 KiB chunk (base64: 5,464 bytes) —
      // the double's chunks are the same size; a fs read-stream chunk is at most 3 MiB raw
      // (4,194,321 bytes of JSON); log entries carry one output chunk; metrics are 14 numbers.
      const u64 = "18446744073709551615"
      const chunk = 4 * Math.ceil((4096 * 4) / 3 / 4) // base64 of 4 KiB
      const maxima: Record<string, number> = {
        handle: `{"handle":${u64},"backend_kind":"local"}`.length + 1,
        exec_handle: `{"exec_handle":${u64}}`.length + 1,
        stream_handle: `{"stream_handle":${u64}}`.length + 1,
        exec_event: `{"event":"stdout","data":"${"A".repeat(chunk)}"}`.length + 1,
        fs_chunk: 4_194_321,
        log_entry:
          `{"source":"stdout","session_id":${u64},"timestamp_ms":${u64},"data_b64":"${
            "A".repeat(chunk)
          }","cursor":"${"A".repeat(4 * 17 * 8)}"}`.length + 1,
        ack: `{"ok":true}`.length + 1
      }
      const expected: Record<string, number> = {
        msb_sandbox_create: maxima.handle!,
        msb_sandbox_start: maxima.handle!,
        msb_sandbox_connect: maxima.handle!,
        msb_sandbox_exec_stream: maxima.exec_handle!,
        msb_sandbox_exec_default_stream: maxima.exec_handle!,
        msb_exec_recv: maxima.exec_event!,
        msb_log_recv: maxima.log_entry!,
        msb_fs_read_stream_recv: maxima.fs_chunk!,
        msb_sandbox_log_stream: maxima.stream_handle!,
        msb_sandbox_handle_log_stream: maxima.stream_handle!,
        msb_sandbox_metrics_stream: maxima.stream_handle!,
        msb_fs_read_stream: maxima.stream_handle!,
        msb_fs_write_stream: maxima.stream_handle!,
        msb_sandbox_stop: maxima.ack!,
        msb_sandbox_kill: maxima.ack!,
        msb_sandbox_detach: maxima.ack!,
        msb_fs_write: maxima.ack!,
        msb_exec_stdin_write: maxima.ack!
      }
      for (const [name, need] of Object.entries(expected)) {
        const spec = signatures.find((s) => s.name === name)!
        expect(spec.effects, name).toBe("write")
        expect(spec.buffer, name).toBeGreaterThanOrEqual(need)
      }
      // Unbounded results are never fetched through a side-effecting export: the library
      // collects exec output from events (msb_exec_recv), not msb_sandbox_exec / msb_exec_collect.
      const unbounded = ["msb_sandbox_exec", "msb_sandbox_exec_default", "msb_exec_collect"]
      for (const name of unbounded) expect(signatures.find((s) => s.name === name)!.effects).toBe("write")
    })

    it.effect("a side-effecting result that does not fit is a loud defect, never a silent loss", () =>
      Effect.gen(function*() {
        const n = yield* native
        const exit = yield* Effect.exit(
          n.call("msb_sandbox_create", ["tinybuf", JSON.stringify({ image: "alpine" })], { bufferSize: 8 })
        )
        expect(Exit.isFailure(exit) && Exit.isInterrupted(exit) === false).toBe(true)
        if (Exit.isFailure(exit)) expect(String(exit.cause)).toContain("did not fit its 8-byte buffer")
        // The runtime did the work anyway (docs/runtime-abi.md §1.4): clean it up by name.
        yield* n.call("msb_sandbox_handle_kill", ["tinybuf", 5000n])
      }))

    it.effect("interrupting a call blocked until cancelled completes and leaves no cancel id registered", () =>
      Effect.gen(function*() {
        const n = yield* native
        yield* Double.fault({ fn: "msb_sandbox_lookup", block: true, count: 1 })
        const fiber = yield* Effect.fork(n.call("msb_sandbox_lookup", ["blocked"]))
        yield* Double.eventually(() => Double.counters().in_flight.msb_sandbox_lookup === 1)
        expect(Double.counters().in_flight.msb_sandbox_lookup).toBe(1)
        // The call blocks until its cancel id fires: the interruption completes only because
        // it cancelled the native call, and the call has returned by the time it completes.
        expect(Exit.isInterrupted(yield* Fiber.interrupt(fiber))).toBe(true)
        const c = Double.counters()
        expect(c.in_flight.msb_sandbox_lookup ?? 0).toBe(0)
        expect(c.cancel_ids.registered).toBe(0)
        expect(c.strings.outstanding).toBe(0)
      }))

    it.effect("a call that succeeds after its fiber was interrupted hands its result to onOrphan", () =>
      Effect.gen(function*() {
        const n = yield* native
        const before = Double.counters()
        // The create completes, then holds its result 400 ms ignoring the cancel id.
        yield* Double.fault({ fn: "msb_sandbox_create", hold_ms: 400, count: 1 })
        const released: Array<number> = []
        const fiber = yield* Effect.fork(
          n.callDecode("msb_sandbox_create", ["orphan", JSON.stringify({ image: "alpine" })], Handle, {
            onOrphan: ({ handle }) => {
              released.push(handle)
              return n.call("msb_sandbox_stop", [BigInt(handle), 5000n]).pipe(
                Effect.zipRight(n.call("msb_sandbox_close", [BigInt(handle)]))
              )
            }
          })
        )
        // Interrupted once the create has made its sandbox (its result is then held 400 ms).
        expect(
          yield* Double.eventually(() =>
            Double.counters().handles.sandbox === (before.handles.sandbox ?? 0) + 1
          )
        ).toBe(true)
        yield* Fiber.interrupt(fiber)
        expect(released.length).toBe(1)
        const c = Double.counters()
        expect(c.handles.sandbox).toBe(before.handles.sandbox)
        expect(c.cancel_ids.registered).toBe(0)
        const info = yield* n.callDecode(
          "msb_sandbox_lookup",
          ["orphan"],
          Schema.Struct({ status: Schema.String })
        )
        expect(info.status).toBe("stopped")
      }))

    it.scoped("a pre-triggered receive over queued events: `cancelled` as often as configured, nothing lost", () =>
      Effect.gen(function*() {
        const n = yield* native
        const recv = signatureByName.get("msb_exec_recv")!
        const sb = yield* Sandbox.make("race", SandboxConfig.image("alpine"))
        const marker = `${Double.rootfs("race")}/queued`
        const { exec_handle } = yield* n.callDecode(
          "msb_sandbox_exec_stream",
          [
            coreOf(sb).handle,
            "/bin/sh",
            JSON.stringify({ args: ["-c", "seq 1 200000; touch queued"], cwd: "/" })
          ],
          Schema.Struct({ exec_handle: Schema.Number })
        )
        const h = BigInt(exec_handle)
        yield* Effect.addFinalizer(() => Effect.ignore(n.call("msb_exec_close", [h])))
        // Everything the command wrote is queued once its marker exists (the double's reader
        // queues it right after).
        expect(yield* Double.eventually(() => existsSync(marker))).toBe(true)
        yield* Effect.sleep("200 millis")
        const take = () => n.executor.tryNow(recv, [h], recv.buffer)
        yield* Double.configure({ race_loss_percent: 100 })
        for (let i = 0; i < 50; i++) expect(take()).toBeNull()
        yield* Double.configure({ race_loss_percent: 50 })
        let lost = 0
        let received = 0
        let output = ""
        let exited = false
        while (!exited) {
          const outcome = take()
          if (outcome === null) {
            lost++
            continue
          }
          received++
          expect(outcome.t).toBe("ok")
          const event = JSON.parse(outcome.t === "ok" ? outcome.json : "{}")
          if (event.event === "stdout") output += Buffer.from(event.data, "base64").toString()
          exited = event.event === "exited"
        }
        yield* Double.configure({ race_loss_percent: null })
        // Every line, in order, although about half the receives answered `cancelled`.
        expect(output).toBe(Array.from({ length: 200_000 }, (_, i) => `${i + 1}\n`).join(""))
        expect(received).toBeGreaterThan(200)
        expect(lost / (lost + received)).toBeGreaterThan(0.25)
        expect(lost / (lost + received)).toBeLessThan(0.75)
        const c = Double.counters()
        expect(c.strings.outstanding).toBe(0)
        expect(c.cancel_ids.registered).toBe(0)
      }))

    it.effect("1,000 concurrent calls all complete", () =>
      Effect.gen(function*() {
        const n = yield* native
        const before = Double.counters().calls.msb_version ?? 0
        const beforeList = Double.counters().calls.msb_sandbox_list ?? 0
        const results = yield* Effect.all(
          Array.from({ length: 1000 }, (_, i) =>
            i % 2 === 0
              ? n.call("msb_sandbox_list", ["{}"])
              : n.call("msb_version", [])),
          { concurrency: "unbounded" }
        )
        expect(results.length).toBe(1000)
        expect(results.filter((r) => r.startsWith("{\"sandboxes\"")).length).toBe(500)
        const c = Double.counters()
        expect((c.calls.msb_version ?? 0) - before).toBe(500)
        expect((c.calls.msb_sandbox_list ?? 0) - beforeList).toBe(500)
        expect(c.cancel_ids.registered).toBe(0)
      }))
  })
})
