/**
 * The API as data and pipelines: the module-level (data-first / data-last) forms of the
 * sandbox and handle operations, `SandboxFilter` as data, listing as a paginated Stream.
 */
import { describe, expect, expectTypeOf, it, layer } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import * as HashSet from "effect/HashSet"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Exec from "../../src/Exec.js"
import type { Microsandbox } from "../../src/Microsandbox.js"
import type { ControlError, ExecError } from "../../src/MicrosandboxError.js"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as SandboxFilter from "../../src/SandboxFilter.js"
import * as SandboxHandle from "../../src/SandboxHandle.js"
import * as Double from "../support/double.js"

const alpine = SandboxConfig.image("alpine")
const listCalls = () => Double.counters().calls.msb_sandbox_list ?? 0

describe("types of the module-level forms", () => {
  it("data-first and data-last forms have the method's type", () => {
    const check = (sb: Sandbox.Sandbox, h: SandboxHandle.SandboxHandle) => {
      expectTypeOf(Sandbox.requestStop(sb)).toEqualTypeOf<Sandbox.Sandbox["requestStop"]>()
      expectTypeOf(sb.pipe(Sandbox.requestStop)).toEqualTypeOf<Sandbox.Sandbox["requestStop"]>()
      expectTypeOf(Sandbox.waitUntilStopped(sb)).toEqualTypeOf<Sandbox.Sandbox["waitUntilStopped"]>()
      expectTypeOf<Effect.Effect.Success<ReturnType<typeof Sandbox.waitUntilStopped>>>().toEqualTypeOf<
        Sandbox.StopResult
      >()
      expectTypeOf(Sandbox.logs(sb, { tail: 10 })).toEqualTypeOf<ReturnType<Sandbox.Sandbox["logs"]>>()
      expectTypeOf(sb.pipe(Sandbox.logs({ tail: 10 }))).toEqualTypeOf<ReturnType<Sandbox.Sandbox["logs"]>>()
      expectTypeOf(sb.pipe(Sandbox.readFileString("/etc/hostname"))).toEqualTypeOf<
        ReturnType<Sandbox.Sandbox["fs"]["readString"]>
      >()
      expectTypeOf(Sandbox.writeFile(sb, "/a", "text")).toEqualTypeOf<
        ReturnType<Sandbox.Sandbox["fs"]["write"]>
      >()
      expectTypeOf(sb.pipe(Sandbox.spawn("cat", [], { stdinPipe: true }))).toEqualTypeOf<
        ReturnType<Sandbox.Sandbox["spawn"]>
      >()
      expectTypeOf<Effect.Effect.Context<ReturnType<Sandbox.Sandbox["spawn"]>>>().toEqualTypeOf<Scope.Scope>()
      expectTypeOf(sb.pipe(Sandbox.metricsStream("1 second"))).toEqualTypeOf<
        ReturnType<Sandbox.Sandbox["metricsStream"]>
      >()
      // The caller's error channel of `onStdout` flows through.
      class Mine {
        readonly _tag = "Mine"
      }
      expectTypeOf(sb.pipe(Sandbox.execDefault<Mine>({ args: ["x"] }))).toEqualTypeOf<
        Effect.Effect<Exec.ExecResult, ExecError | Mine>
      >()
      expectTypeOf(Sandbox.shellStream(sb, "ls")).toEqualTypeOf<
        Stream.Stream<Exec.ExecEvent, ExecError>
      >()

      expectTypeOf(h.pipe(SandboxHandle.stop({ timeout: "1 second" }))).toEqualTypeOf<
        ReturnType<SandboxHandle.SandboxHandle["stop"]>
      >()
      expectTypeOf(SandboxHandle.remove(h)).toEqualTypeOf<SandboxHandle.SandboxHandle["remove"]>()
      expectTypeOf(h.pipe(SandboxHandle.connect)).toEqualTypeOf<SandboxHandle.SandboxHandle["connect"]>()
    }
    expectTypeOf(check).toBeFunction()

    expectTypeOf(SandboxFilter.label("k", "v")).toEqualTypeOf<
      (self: SandboxFilter.SandboxFilter) => SandboxFilter.SandboxFilter
    >()
    expectTypeOf(SandboxFilter.label(SandboxFilter.empty, "k", "v")).toEqualTypeOf<
      SandboxFilter.SandboxFilter
    >()
    expectTypeOf(Sandbox.stream(SandboxFilter.empty)).toEqualTypeOf<
      Stream.Stream<SandboxHandle.SandboxHandle, ControlError, Microsandbox>
    >()
    expectTypeOf(SandboxFilter.empty.pipe(Sandbox.stream({ pageSize: 5 }))).toEqualTypeOf<
      Stream.Stream<SandboxHandle.SandboxHandle, ControlError, Microsandbox>
    >()
    expectTypeOf(Effect.succeed(1 as const).pipe(Sandbox.parallelRelease())).toEqualTypeOf<
      Effect.Effect<1, never, Scope.Scope>
    >()
  })
})

describe("SandboxFilter is data", () => {
  it("combinators are data-first or pipeable; equality and hash are structural", () => {
    const a = SandboxFilter.empty.pipe(
      SandboxFilter.label("tenant", "acme"),
      SandboxFilter.label("tier", "gold")
    )
    const b = SandboxFilter.labels(SandboxFilter.make(), { tier: "gold", tenant: "acme" })
    const c = SandboxFilter.make({ labels: { tenant: "acme", tier: "gold" } })
    const fluent = SandboxFilter.make().withLabel("tier", "gold").withLabel("tenant", "acme")
    for (const x of [b, c, fluent]) {
      expect(Equal.equals(a, x)).toBe(true)
      expect(Hash.hash(a)).toBe(Hash.hash(x))
    }
    expect(a.labels).toEqual({ tenant: "acme", tier: "gold" })
    expect(Equal.equals(a, SandboxFilter.limit(a, 10))).toBe(false)
    expect(Equal.equals(SandboxFilter.limit(a, 10), a.pipe(SandboxFilter.limit(10)))).toBe(true)
    expect(Equal.equals(a, a.pipe(SandboxFilter.cursor("c1")))).toBe(false)
    expect(Equal.equals(a, SandboxFilter.label(a, "tier", "silver"))).toBe(false)
    expect(HashSet.size(HashSet.make(a, b, c, fluent, SandboxFilter.empty))).toBe(2)
    // Immutable: combinators return new filters.
    expect(SandboxFilter.empty.labels).toEqual({})
    expect(Option.isNone(SandboxFilter.empty.limit)).toBe(true)
    expect(SandboxFilter.isSandboxFilter(a)).toBe(true)
    expect(SandboxFilter.isSandboxFilter({ labels: {} })).toBe(false)
  })
})

describe("operations as functions, on the double", () => {
  layer(Double.layer(), { excludeTestServices: true })((it) => {
    it.scoped("sandbox operations: data-first and pipeable forms act on the sandbox", () =>
      Effect.gen(function*() {
        const sb = yield* Sandbox.make("api-ops", alpine)
        expect(yield* Sandbox.ownsLifecycle(sb)).toBe(true)
        expect((yield* sb.pipe(Sandbox.ping)).name).toBe("api-ops")
        const t1 = yield* Sandbox.touch(sb)
        const t2 = yield* sb.pipe(Sandbox.touch)
        expect(t2.activitySeq).toBeGreaterThan(t1.activitySeq)
        expect((yield* Sandbox.info(sb)).status).toBe("running")

        yield* sb.pipe(Sandbox.writeFile("/greeting.txt", "hello"))
        expect(yield* Sandbox.readFileString(sb, "/greeting.txt")).toBe("hello")
        expect(Array.from(yield* sb.pipe(Sandbox.readFile("/greeting.txt")))).toEqual([
          104,
          101,
          108,
          108,
          111
        ])

        for (const word of ["one", "two", "three"]) yield* Sandbox.shell(sb, `echo ${word}`)
        const lastTwo = yield* sb.pipe(Sandbox.logs({ tail: 2 }))
        expect(lastTwo.map((e) => e.text)).toEqual(["two\n", "three\n"])
        expect((yield* Sandbox.logs(sb)).length).toBe(3)
        const lines = yield* sb.pipe(
          Sandbox.shellStream("echo streamed"),
          Exec.stdoutLines,
          Stream.runCollect
        )
        expect(Chunk.toReadonlyArray(lines)).toEqual(["streamed"])

        yield* Sandbox.requestStop(sb)
        const result = yield* sb.pipe(Sandbox.waitUntilStopped)
        expect(result.status).toBe("stopped")
        expect(yield* Double.status("api-ops")).toBe("stopped")
      }))

    it.effect("handle operations: data-first and pipeable forms act by name", () =>
      Effect.gen(function*() {
        yield* Effect.scoped(Effect.gen(function*() {
          yield* Sandbox.make("api-handle", alpine, SandboxConfig.release("detach"))
        }))
        const h = yield* Sandbox.get("api-handle")
        expect(SandboxHandle.isSandboxHandle(h)).toBe(true)
        expect((yield* SandboxHandle.ping(h)).name).toBe("api-handle")
        yield* h.pipe(SandboxHandle.stop({ timeout: "2 seconds" }))
        expect((yield* SandboxHandle.refresh(h)).status).toBe("stopped")
        yield* h.pipe(SandboxHandle.remove)
        expect((yield* Effect.flip(Sandbox.get("api-handle")))._tag).toBe("SandboxNotFound")
      }))

    it.effect("listing: listWith returns every match whatever the limit; listPage one page; stream pages on demand", () =>
      Effect.gen(function*() {
        const names = ["api-list-0", "api-list-1", "api-list-2", "api-list-3", "api-list-4"]
        yield* Effect.scoped(
          Effect.forEach(
            names,
            (name) => Sandbox.make(name, alpine, SandboxConfig.label("suite", "api-list"))
          )
        )
        const newestFirst = [...names].reverse()
        const filter = SandboxFilter.empty.pipe(SandboxFilter.label("suite", "api-list"))

        const all = yield* Sandbox.listWith(filter.pipe(SandboxFilter.limit(2)))
        expect(all.map((h) => h.name)).toEqual(newestFirst)

        const page = yield* Sandbox.listPage(SandboxFilter.limit(filter, 2))
        expect(page.sandboxes.map((h) => h.name)).toEqual(newestFirst.slice(0, 2))
        const rest = yield* Sandbox.listWith(SandboxFilter.cursor(filter, Option.getOrThrow(page.nextCursor)))
        expect(rest.map((h) => h.name)).toEqual(newestFirst.slice(2))

        let before = listCalls()
        const streamed = yield* Sandbox.stream(filter, { pageSize: 2 }).pipe(Stream.runCollect)
        expect(Chunk.toReadonlyArray(streamed).map((h) => h.name)).toEqual(newestFirst)
        expect(listCalls() - before).toBe(3)

        before = listCalls()
        const firstTwo = yield* filter.pipe(
          Sandbox.stream({ pageSize: 2 }),
          Stream.take(2),
          Stream.runCollect
        )
        expect(Chunk.toReadonlyArray(firstTwo).map((h) => h.name)).toEqual(newestFirst.slice(0, 2))
        expect(listCalls() - before).toBe(1)
      }))

    it.effect("a page size outside 1–100 is InvalidConfig before any native call", () =>
      Effect.gen(function*() {
        const before = listCalls()
        for (const bad of [0, 101, 2.5]) {
          const e1 = yield* Effect.flip(Sandbox.listPage(SandboxFilter.make({ limit: bad })))
          expect([e1._tag, e1._tag === "InvalidConfig" && e1.field]).toEqual(["InvalidConfig", "limit"])
          const e2 = yield* Effect.flip(
            Stream.runDrain(Sandbox.stream(SandboxFilter.empty, { pageSize: bad }))
          )
          expect(e2._tag).toBe("InvalidConfig")
        }
        expect(listCalls()).toBe(before)
      }))
  })
})
