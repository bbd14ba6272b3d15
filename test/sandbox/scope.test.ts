import { describe, expect, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as Double from "../support/double.js"

const alpine = SandboxConfig.image("alpine")

class Boom extends Error {}

// The random test draws from this seed, printed so that a run can be replayed exactly
// (the draws, not the machine's timing): SEED=<seed> npx vitest run test/sandbox/scope.test.ts
const seed = Number(process.env.SEED ?? Math.floor(Math.random() * 0x7fffffff))
console.log(`[scope] seed ${seed} (replay: SEED=${seed} npx vitest run test/sandbox/scope.test.ts)`)
/** mulberry32: a small deterministic generator of numbers in [0, 1). */
const seeded = (s: number) => () => {
  s = (s + 0x6d2b79f5) | 0
  let t = Math.imul(s ^ (s >>> 15), 1 | s)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

describe("Scope semantics", () => {
  layer(Double.layer(), { excludeTestServices: true })((it) => {
    it.effect("every exit of the owning Scope stops the sandbox: success, failure, defect, interruption", () =>
      Effect.gen(function*() {
        const inScope = (name: string, after: Effect.Effect<void, Boom>) =>
          Effect.scoped(Sandbox.make(name, alpine).pipe(Effect.zipRight(after)))

        yield* inScope("exit-success", Effect.void)
        const failure = yield* Effect.exit(inScope("exit-failure", Effect.fail(new Boom())))
        const defect = yield* Effect.exit(inScope("exit-defect", Effect.die(new Boom())))
        const fiber = yield* Effect.fork(inScope("exit-interrupt", Effect.never))
        // Interrupted once the sandbox is running in its Scope (the others' handles are closed).
        expect(yield* Double.eventually(() => Double.counters().handles.sandbox === 1)).toBe(true)
        yield* Fiber.interrupt(fiber)

        expect(Exit.isFailure(failure)).toBe(true)
        expect(Exit.isFailure(defect)).toBe(true)
        // Checked through fresh handles: the runtime's records say stopped.
        for (const name of ["exit-success", "exit-failure", "exit-defect", "exit-interrupt"]) {
          expect([name, yield* Double.status(name)]).toEqual([name, "stopped"])
        }
        // A defect is no time for grace: that one was killed, the others stopped gracefully.
        expect(Double.systemLog("exit-defect")).toContain("sandbox killed")
        expect(Double.systemLog("exit-success")).toContain("stop requested")
        expect(Double.systemLog("exit-success")).not.toContain("sandbox killed")
        expect(Double.counters().handles.sandbox).toBe(0)
      }))

    it.effect("a defect that is not the top-level cause still kills: die in a concurrent Effect.all, die plus a failing finalizer", () =>
      Effect.gen(function*() {
        // The defect sits inside a parallel composition (next to the interruption of its sibling).
        const parallel = yield* Effect.exit(Effect.scoped(
          Sandbox.make("nested-die-all", alpine).pipe(
            Effect.zipRight(Effect.all([Effect.die(new Boom()), Effect.never], { concurrency: 2 }))
          )
        ))
        // The defect is followed by a finalizer that fails: a sequential composition.
        const finalizer = yield* Effect.exit(Effect.scoped(
          Sandbox.make("nested-die-finalizer", alpine).pipe(
            Effect.zipRight(Effect.die(new Boom())),
            Effect.ensuring(Effect.die(new Error("finalizer broke")))
          )
        ))
        for (const exit of [parallel, finalizer]) {
          expect(Exit.isFailure(exit)).toBe(true)
          if (Exit.isFailure(exit)) expect(exit.cause._tag).not.toBe("Die")
        }
        for (const name of ["nested-die-all", "nested-die-finalizer"]) {
          expect([name, yield* Double.status(name)]).toEqual([name, "stopped"])
          expect(Double.systemLog(name)).toContain("sandbox killed")
          expect(Double.systemLog(name)).not.toContain("stop requested")
        }
      }))

    it.effect("interrupting create at random points leaves 0 running sandboxes, 0 handles, 0 cancel ids (100 runs)", () =>
      Effect.gen(function*() {
        const random = seeded(seed)
        yield* Double.configure({ boot_delay_ms: 15 })
        const before = Double.counters()
        // The point of interruption: at once, mid-boot (the create's boot is under way),
        // after the create (the Scope owns a running sandbox), or after a random 0–39 ms.
        // The first three runs take one of each, so that every path is covered whatever
        // the timing; the others are drawn from the seed.
        const points = ["at once", "mid-boot", "after create", "random"] as const
        for (let i = 0; i < 100; i++) {
          const point = i < 3 ? points[i]! : points[Math.floor(random() * points.length)]!
          const delay = Math.floor(random() * 40)
          if (point === "mid-boot") yield* Double.configure({ boot_delay_ms: 60_000 })
          const fiber = yield* Effect.fork(
            Effect.scoped(Sandbox.make(`rnd-${i}`, alpine).pipe(Effect.zipRight(Effect.never)))
          )
          if (point === "mid-boot") {
            expect(yield* Double.eventually(() => Double.counters().in_flight.msb_sandbox_create === 1)).toBe(
              true
            )
          } else if (point === "after create") {
            expect(
              yield* Double.eventually(() =>
                (Double.counters().handles.sandbox ?? 0) === (before.handles.sandbox ?? 0) + 1
              )
            ).toBe(true)
          } else if (point === "random") {
            yield* Effect.sleep(`${delay} millis`)
          }
          yield* Fiber.interrupt(fiber)
          if (point === "mid-boot") yield* Double.configure({ boot_delay_ms: 15 })
        }
        yield* Double.configure({ boot_delay_ms: null })
        const left = (yield* Sandbox.list).filter((h) => h.name.startsWith("rnd-"))
        expect(left.filter((h) => h.status === "running" || h.status === "draining").map((h) => h.name))
          .toEqual([])
        // The create cut mid-boot crashed; the one that completed was stopped by the Scope
        // (and a create interrupted at once may have left no record at all).
        const statuses = new Map(left.map((h) => [h.name, h.status]))
        expect([statuses.get("rnd-1"), statuses.get("rnd-2")]).toEqual(["crashed", "stopped"])
        expect(left.filter((h) => h.status !== "crashed" && h.status !== "stopped")).toEqual([])
        const after = Double.counters()
        expect(after.handles.sandbox).toBe(before.handles.sandbox)
        expect(after.cancel_ids.registered).toBe(0)
        expect(after.in_flight).toEqual({})
        expect(after.strings.outstanding).toBe(0)
      }))

    it.effect("50 sandboxes created concurrently in one scope are all stopped at its end, one at a time (LIFO)", () =>
      Effect.gen(function*() {
        yield* Double.resetMaxInFlight
        yield* Effect.scoped(
          Effect.forEach(
            Array.from({ length: 50 }, (_, i) => `fifty-${i}`),
            (name) => Sandbox.make(name, alpine),
            {
              concurrency: 50
            }
          )
        )
        const all = (yield* Sandbox.list).filter((h) => h.name.startsWith("fifty-"))
        expect(all.length).toBe(50)
        expect(all.every((h) => h.status === "stopped")).toBe(true)
        // An ordinary Scope releases its finalizers in sequence.
        expect(Double.counters().max_in_flight.msb_sandbox_stop ?? 0).toBe(1)
      }))

    it.effect("release is last-in-first-out: a resource acquired between two sandboxes outlives the second", () =>
      Effect.gen(function*() {
        const order: Array<string> = []
        const record = (what: string) =>
          Effect.gen(function*() {
            const a = yield* Double.status("lifo-a")
            const b = yield* Double.status("lifo-b")
            order.push(`${what}: a ${a}, b ${b}`)
          }).pipe(Effect.orDie)
        yield* Effect.scoped(Effect.gen(function*() {
          yield* Effect.addFinalizer(() => record("first"))
          yield* Sandbox.make("lifo-a", alpine)
          // Say a host folder bind-mounted into the second sandbox.
          yield* Effect.addFinalizer(() => record("between"))
          yield* Sandbox.make("lifo-b", alpine)
          yield* Effect.addFinalizer(() => record("last"))
        }))
        expect(order).toEqual([
          "last: a running, b running",
          "between: a running, b stopped",
          "first: a stopped, b stopped"
        ])
      }))

    it.effect("Sandbox.parallelRelease releases 100 sandboxes concurrently, as one step of the LIFO order", () =>
      Effect.gen(function*() {
        const names = Array.from({ length: 100 }, (_, i) => `par-${i}`)
        const running = Effect.map(
          Sandbox.list,
          (all) => all.filter((h) => h.name.startsWith("par-") && h.status === "running").length
        ).pipe(Effect.orDie)
        const seen: Array<string> = []
        yield* Double.resetMaxInFlight
        yield* Effect.scoped(Effect.gen(function*() {
          yield* Effect.addFinalizer(() =>
            Effect.map(running, (n) => {
              seen.push(`before the group: ${n} running`)
            })
          )
          yield* Effect.forEach(names, (name) => Sandbox.make(name, alpine), { concurrency: 20 }).pipe(
            Sandbox.parallelRelease()
          )
          yield* Effect.addFinalizer(() =>
            Effect.map(running, (n) => {
              seen.push(`after the group: ${n} running`)
            })
          )
        }))
        expect(seen).toEqual(["after the group: 100 running", "before the group: 0 running"])
        const maxStops = Double.counters().max_in_flight.msb_sandbox_stop ?? 0
        // Concurrent, counted: more than one stop was in flight at once.
        expect(maxStops).toBeGreaterThan(1)
      }))

    it.effect("Sandbox.parallelRelease bounds the concurrency when asked", () =>
      Effect.gen(function*() {
        yield* Double.resetMaxInFlight
        yield* Effect.scoped(
          Effect.forEach(
            Array.from({ length: 12 }, (_, i) => `bounded-${i}`),
            (name) => Sandbox.make(name, alpine),
            { concurrency: 12 }
          ).pipe(Sandbox.parallelRelease({ concurrency: 3 }))
        )
        const maxStops = Double.counters().max_in_flight.msb_sandbox_stop ?? 0
        expect(maxStops).toBeGreaterThan(1)
        expect(maxStops).toBeLessThanOrEqual(3)
      }))

    it.effect("the release policy is chosen per sandbox: stop, kill, detach", () =>
      Effect.gen(function*() {
        yield* Effect.scoped(Effect.gen(function*() {
          yield* Sandbox.make("policy-stop", alpine)
          yield* Sandbox.make("policy-kill", alpine, SandboxConfig.release("kill"))
          yield* Sandbox.make("policy-detach", alpine, SandboxConfig.release("detach"))
          yield* Sandbox.make("policy-detached", alpine, SandboxConfig.detached())
        }))
        expect(yield* Double.status("policy-stop")).toBe("stopped")
        expect(Double.systemLog("policy-stop")).not.toContain("sandbox killed")
        expect(yield* Double.status("policy-kill")).toBe("stopped")
        expect(Double.systemLog("policy-kill")).toContain("sandbox killed")
        expect(Double.systemLog("policy-kill")).not.toContain("stop requested")
        expect(yield* Double.status("policy-detach")).toBe("running")
        expect(yield* Double.status("policy-detached")).toBe("running")
        for (const name of ["policy-detach", "policy-detached"]) yield* (yield* Sandbox.get(name)).kill()
      }))

    it.effect("a failing stop is logged and escalates to kill; the Scope still succeeds", () =>
      Effect.gen(function*() {
        yield* Double.fault({ fn: "msb_sandbox_stop", kind: "internal", message: "stop broke", count: 1 })
        const exit = yield* Effect.exit(Effect.scoped(Sandbox.make("stubborn", alpine)))
        expect(Exit.isSuccess(exit)).toBe(true)
        expect(yield* Double.status("stubborn")).toBe("stopped")
        expect(Double.systemLog("stubborn")).toContain("sandbox killed")
      }))

    it.effect("a sandbox closed or detached by hand is left alone by its Scope", () =>
      Effect.gen(function*() {
        const stopsBefore = Double.counters().calls.msb_sandbox_stop ?? 0
        yield* Effect.scoped(Effect.gen(function*() {
          const a = yield* Sandbox.make("hand-detach", alpine)
          yield* a.detach
          expect((yield* Effect.flip(a.ping))._tag).toBe("InvalidHandle")
        }))
        expect(Double.counters().calls.msb_sandbox_stop ?? 0).toBe(stopsBefore)
        expect(yield* Double.status("hand-detach")).toBe("running")
        yield* (yield* Sandbox.get("hand-detach")).stop()
      }))

    it.effect("Sandbox.layer provides a sandbox to services by dependency injection, one per layer", () =>
      Effect.gen(function*() {
        class Worker extends Context.Tag("test/Worker")<Worker, Sandbox.Sandbox>() {}
        const WorkerLive = Sandbox.layer(Worker, "layered", alpine, SandboxConfig.label("via", "layer"))
        const seen = yield* Effect.scoped(Effect.gen(function*() {
          const ctx = yield* Layer.build(WorkerLive)
          const sb = Context.get(ctx, Worker)
          expect(yield* Double.status("layered")).toBe("running")
          return sb.name
        }))
        expect(seen).toBe("layered")
        expect(yield* Double.status("layered")).toBe("stopped")
      }))
  })
})
