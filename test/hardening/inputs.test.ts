// Issue 10, "Inputs": the reproductions, as tests. Every bad value is a typed error
// naming what is wrong, raised before any native call (the double's call counters
// prove it), and no Scope is left holding a running sandbox because of one.
import { describe, expect, it, layer } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Metrics from "../../src/Metrics.js"
import * as MicrosandboxModule from "../../src/Microsandbox.js"
import { Microsandbox } from "../../src/Microsandbox.js"
import type { MicrosandboxError } from "../../src/MicrosandboxError.js"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as SandboxFilter from "../../src/SandboxFilter.js"
import * as Double from "../support/double.js"

const alpine = SandboxConfig.image("alpine")
const totalCalls = () => Object.values(Double.counters().calls).reduce((a, b) => a + b, 0)
const calls = (fn: string) => Double.counters().calls[fn] ?? 0

/** Runs `effect` and returns its typed failure; fails the test on success or on a defect. */
const failure = <A, R>(effect: Effect.Effect<A, MicrosandboxError, R>) =>
  Effect.map(Effect.exit(effect), (exit) => {
    if (Exit.isSuccess(exit)) throw new Error("expected a failure, got a success")
    const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
    if (!error) throw new Error(`expected a typed failure, got ${exit.cause._tag}`)
    return error as MicrosandboxError & { readonly argument?: string; readonly field?: string }
  })

/** Asserts that `f` made no native call at all (the counters count every export). */
const noCall = <A, E, R>(f: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const before = totalCalls()
    const a = yield* f
    expect(totalCalls()).toBe(before)
    return a
  })

// JavaScript callers and JSON escape the types: these casts are what they pass.
const loose = <A>(u: unknown): A => u as A

describe("issue 10: NUL bytes and invalid Unicode never reach C", () => {
  layer(Double.layer(), { excludeTestServices: true })((it) => {
    it.effect("Sandbox.remove(\"box\\0x\") does not remove box; Sandbox.get(\"box\\0other\") does not return box", () =>
      Effect.gen(function*() {
        yield* Effect.scoped(Sandbox.make("box", alpine))
        expect(yield* Double.status("box")).toBe("stopped")
        const removed = yield* noCall(failure(Sandbox.remove("box\0x")))
        expect([removed._tag, removed.argument]).toEqual(["InvalidArgument", "name"])
        expect(removed.message).toContain("NUL")
        const got = yield* noCall(failure(Sandbox.get("box\0other")))
        expect([got._tag, got.argument]).toEqual(["InvalidArgument", "name"])
        expect(yield* Double.status("box")).toBe("stopped")
        // Lone surrogates cannot be encoded as UTF-8: refused too, never replaced.
        const surrogate = yield* noCall(failure(Sandbox.get("box\uD800")))
        expect([surrogate._tag, surrogate.argument]).toEqual(["InvalidArgument", "name"])
        yield* Sandbox.remove("box")
        expect(yield* Double.status("box")).toBe("gone")
      }))

    it.effect("fs.write(\"/secret.txt\\0.bak\") leaves /secret.txt alone; readString(\"/a\\0.png\") reads nothing", () =>
      Effect.scoped(Effect.gen(function*() {
        const sandbox = yield* Sandbox.make("nul-fs", alpine)
        yield* sandbox.fs.write("/secret.txt", "original")
        yield* sandbox.fs.write("/a", "not a png")
        const writes = calls("msb_fs_write")
        const write = yield* noCall(failure(sandbox.fs.write("/secret.txt\0.bak", "overwritten")))
        expect([write._tag, write.argument]).toEqual(["InvalidArgument", "path"])
        expect(calls("msb_fs_write")).toBe(writes)
        expect(yield* sandbox.fs.readString("/secret.txt")).toBe("original")
        const read = yield* noCall(failure(sandbox.fs.readString("/a\0.png")))
        expect([read._tag, read.argument]).toEqual(["InvalidArgument", "path"])
        // Two-path operations name the argument that is wrong.
        const copy = yield* noCall(failure(sandbox.fs.copy("/a", "/b\0c")))
        expect(copy.argument).toBe("to")
        const host = yield* noCall(failure(sandbox.fs.copyToHost("/a", "/tmp/x\0y")))
        expect(host.argument).toBe("hostPath")
        const data = yield* noCall(failure(sandbox.fs.write("/x", "\uDC00 lone")))
        expect(data.argument).toBe("data")
        // Content is bytes: a NUL in it is data, not a terminator.
        yield* sandbox.fs.write("/bin.dat", "a\0b")
        expect(Array.from(yield* sandbox.fs.read("/bin.dat"))).toEqual([97, 0, 98])
      })))

    it.effect("exec(\"echo\\0rm\") runs nothing; NUL in args, env, cwd is refused naming the option", () =>
      Effect.scoped(Effect.gen(function*() {
        const sandbox = yield* Sandbox.make("nul-exec", alpine)
        const opens = calls("msb_sandbox_exec_stream")
        const cmd = yield* noCall(failure(sandbox.exec("echo\0rm")))
        expect([cmd._tag, cmd.argument]).toEqual(["InvalidArgument", "command"])
        expect((yield* noCall(failure(sandbox.exec("echo", ["a\0b"])))).argument).toBe("args[0]")
        expect((yield* noCall(failure(sandbox.exec("echo", [], { env: { A: "x\0y" } })))).argument).toBe(
          "env.A"
        )
        expect((yield* noCall(failure(sandbox.exec("echo", [], { cwd: "/tmp\0/x" })))).argument).toBe("cwd")
        expect((yield* noCall(failure(sandbox.shell("echo hi\0; rm -rf /")))).argument).toBe("script")
        const stream = yield* noCall(failure(Effect.scoped(sandbox.spawn("echo\0rm"))))
        expect(stream.argument).toBe("command")
        expect(calls("msb_sandbox_exec_stream")).toBe(opens)
        // Stdin data of a spawned process: bytes or text, anything else is typed.
        yield* Effect.scoped(Effect.gen(function*() {
          const proc = yield* sandbox.spawn("cat", [], { stdinPipe: true })
          const writes = calls("msb_exec_stdin_write")
          expect((yield* failure(proc.write(loose(null)))).argument).toBe("data")
          expect((yield* failure(proc.write("\uD800"))).argument).toBe("data")
          expect(calls("msb_exec_stdin_write")).toBe(writes)
          yield* proc.write("a\0b")
          yield* proc.closeStdin
          expect(Array.from((yield* proc.collect).stdoutBytes)).toEqual([97, 0, 98])
        }))
        // The same command without the NUL runs.
        expect((yield* sandbox.exec("echo", ["ok"])).stdout).toBe("ok\n")
      })))

    it.effect("the native call layer checks every string argument, JSON members included, naming the C parameter", () =>
      Effect.gen(function*() {
        const { native } = yield* Microsandbox
        const raw = yield* noCall(failure(native.call("msb_sandbox_remove", ["box\0x"])))
        expect([raw._tag, raw.argument]).toEqual(["InvalidArgument", "name"])
        // JSON.stringify escapes a NUL as \u0000: the runtime would decode it and hand it to the OS.
        const doc = JSON.stringify({ image: "alpine", workdir: "/app\0/x" })
        const json = yield* noCall(failure(native.call("msb_sandbox_create", ["ok-name", doc])))
        expect([json._tag, json.argument]).toEqual(["InvalidArgument", "opts_json"])
        const lone = JSON.stringify({ image: "alpine", hostname: "h\uD800" })
        expect((yield* noCall(failure(native.call("msb_sandbox_create", ["ok-name", lone])))).argument)
          .toBe("opts_json")
        // Integers must fit their C type and strings must be strings: koffi would throw
        // (a defect) or wrap, and the error names the parameter.
        const cases: ReadonlyArray<readonly [Parameters<typeof native.call>, string]> = [
          [["msb_exec_resize", [1n, 70000, 80]], "rows"],
          [["msb_exec_resize", [1n, 24, -1]], "cols"],
          [["msb_exec_signal", [1n, 2 ** 31]], "signal"],
          [["msb_exec_signal", [-1n, 9]], "exec_handle"],
          [["msb_sandbox_handle_stop", ["box", 1.5]], "timeout_ms"],
          [["msb_sandbox_handle_stop", ["box", 2n ** 64n]], "timeout_ms"],
          [["msb_sandbox_handle_stop", [loose(42), 1n]], "name"],
          [["msb_sandbox_start", ["box", loose("yes")]], "detached"]
        ]
        for (const [[fn, args], param] of cases) {
          const error = yield* noCall(failure(native.call(fn, args)))
          expect([fn, error._tag, error.argument]).toEqual([fn, "InvalidArgument", param])
        }
        // NULL is C's "absent" for an optional string: passed through.
        const lookups = calls("msb_sandbox_lookup")
        const absent = yield* Effect.flip(native.call("msb_sandbox_lookup", [null]))
        expect(calls("msb_sandbox_lookup")).toBe(lookups + 1)
        expect((absent as { argument?: string }).argument).toBeUndefined()
        // An escaped backslash followed by "u0000" is text, not a NUL.
        const literal = JSON.stringify({ labels: { a: "\\u0000" } })
        expect(literal).toContain("\\\\u0000")
        const list = yield* native.call("msb_sandbox_list", [literal])
        expect(JSON.parse(list).sandboxes).toEqual([])
      }))
  })
})

describe("issue 10: values outside the TypeScript types fail as typed errors, never throws", () => {
  layer(Double.layer(), { excludeTestServices: true })((it) => {
    it.effect("Sandbox.make(undefined), a name 42, an image null: InvalidConfig, nothing created", () =>
      Effect.gen(function*() {
        const creates = calls("msb_sandbox_create")
        // Building the Effect does not throw (these calls used to throw synchronously).
        const builds = [
          () => Sandbox.make(loose(undefined)),
          () => Sandbox.make(loose(42), alpine),
          () => Sandbox.make("null-image", SandboxConfig.image(loose(null))),
          () => Sandbox.make("bad-option", loose("nuke")),
          () => Sandbox.makeWith("no-config", loose(undefined)),
          () => Sandbox.makeWith(loose(null), loose(null))
        ]
        const fields: Array<string | undefined> = []
        for (const build of builds) {
          const effect = build()
          const error = yield* failure(Effect.scoped(effect))
          expect(error._tag).toBe("InvalidConfig")
          fields.push(error.field)
        }
        expect(fields).toEqual(["name", "name", "image", "options", "config", "name"])
        expect(calls("msb_sandbox_create")).toBe(creates)
      }))

    it.effect("a release policy \"nuke\" is refused before create: no sandbox runs, handles back to baseline", () =>
      Effect.gen(function*() {
        const before = Double.counters()
        const creates = calls("msb_sandbox_create")
        const exit = yield* Effect.exit(
          Effect.scoped(Sandbox.make("nuke-box", alpine, SandboxConfig.release(loose("nuke")))).pipe(
            Effect.zipRight(Effect.void)
          )
        )
        expect(Exit.isFailure(exit)).toBe(true)
        if (Exit.isFailure(exit)) {
          // A typed failure, not "Not a valid effect" killing the Scope.
          expect(exit.cause._tag).toBe("Fail")
          const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
          expect([error?._tag, (error as { field?: string } | undefined)?.field]).toEqual([
            "InvalidConfig",
            "release"
          ])
        }
        expect(calls("msb_sandbox_create")).toBe(creates)
        expect(yield* Double.status("nuke-box")).toBe("gone")
        const after = Double.counters()
        expect(Double.openHandles(after)).toBe(Double.openHandles(before))
        expect(after.cancel_ids.registered).toBe(before.cancel_ids.registered)
      }))

    it.effect("makeWith decodes the configuration through its Schema (a config loaded from JSON is checked)", () =>
      Effect.gen(function*() {
        const creates = calls("msb_sandbox_create")
        const fromJson = (json: string) => Sandbox.makeWith("from-json", JSON.parse(json))
        const cases: ReadonlyArray<readonly [string, string]> = [
          ["{\"image\":\"alpine\",\"memoryMib\":\"lots\"}", "memoryMib"],
          ["{\"image\":\"alpine\",\"cpus\":1.5}", "cpus"],
          ["{\"image\":\"alpine\",\"env\":{\"A\":1}}", "env"],
          ["{\"image\":\"alpine\",\"imgae\":\"typo\"}", "imgae"],
          ["{\"image\":\"alpine\",\"release\":\"nuke\"}", "release"],
          ["{\"image\":\"alpine\",\"maxDuration\":5000}", "maxDuration"],
          [
            "{\"image\":\"alpine\",\"registryAuth\":{\"username\":\"u\",\"password\":\"plain\"}}",
            "registryAuth"
          ],
          ["{\"image\":\"alpine\",\"workdir\":\"/app\\u0000/x\"}", "workdir"],
          ["[]", "config"]
        ]
        for (const [json, field] of cases) {
          const error = yield* failure(Effect.scoped(fromJson(json)))
          expect([json, error._tag, error.field]).toEqual([json, "InvalidConfig", field])
        }
        expect(calls("msb_sandbox_create")).toBe(creates)
        // A valid one boots.
        yield* Effect.scoped(
          Sandbox.makeWith("from-json", JSON.parse("{\"image\":\"alpine\",\"memoryMib\":256}"))
        )
        expect(calls("msb_sandbox_create")).toBe(creates + 1)
      }))

    it.effect("by-name operations, list filters, stop/kill timeouts: typed errors for wrong types", () =>
      Effect.gen(function*() {
        for (
          const op of [Sandbox.get, Sandbox.remove, Sandbox.connect, Sandbox.start] as ReadonlyArray<
            (name: string) => Effect.Effect<unknown, MicrosandboxError, Microsandbox | Scope.Scope>
          >
        ) {
          for (const bad of [undefined, 42, null, {}, "", "x".repeat(129)]) {
            const error = yield* noCall(failure(Effect.scoped(op(loose(bad)))))
            expect(["InvalidArgument", "InvalidConfig"]).toContain(error._tag)
          }
        }
        const limit = yield* noCall(failure(Sandbox.listWith(SandboxFilter.make().withLimit(0))))
        // the runtime's bound and message, checked before the call
        expect([limit._tag, limit._tag === "InvalidConfig" && limit.field]).toEqual([
          "InvalidConfig",
          "limit"
        ])
        expect((yield* noCall(failure(Sandbox.listWith(loose(null))))).argument).toBe("filter")
        expect(
          (yield* noCall(failure(Sandbox.listWith(SandboxFilter.label(SandboxFilter.empty, "a", "b\0c")))))
            .argument
        ).toBe(
          "labels.a"
        )
        yield* Effect.scoped(Effect.gen(function*() {
          const sandbox = yield* Sandbox.make("bad-timeouts", alpine)
          const stop = yield* noCall(failure(sandbox.stop({ timeout: -1 })))
          expect([stop._tag, stop.argument]).toEqual(["InvalidArgument", "timeout"])
          expect((yield* noCall(failure(sandbox.kill({ timeout: loose("soon") })))).argument).toBe("timeout")
          // Still running: a negative grace period is not "kill at once".
          expect(yield* Double.status("bad-timeouts")).toBe("running")
          // Log and metrics options: typed, before any call.
          expect((yield* noCall(failure(sandbox.logs({ tail: -1 })))).argument).toBe("tail")
          expect((yield* noCall(failure(sandbox.logs(loose(null))))).argument).toBe("options")
          const streamArg = (stream: Stream.Stream<unknown, MicrosandboxError>) =>
            Effect.map(noCall(failure(Stream.runDrain(stream))), (e) => e.argument)
          expect(yield* streamArg(sandbox.logStream({ since: Number.NaN }))).toBe("since")
          expect(yield* streamArg(sandbox.logStream({ afterCursor: "c\0" }))).toBe("afterCursor")
          expect(yield* streamArg(sandbox.metricsStream(-5))).toBe("interval")
          expect(yield* streamArg(sandbox.metricsStream(loose("soon")))).toBe("interval")
          // Found by the property tests: an infinite interval used to die converting to BigInt.
          expect(yield* streamArg(sandbox.metricsStream(Infinity))).toBe("interval")
          expect(yield* streamArg(Metrics.poll(sandbox, -1))).toBe("interval")
          expect(yield* streamArg(Metrics.poll(loose(null), "1 second"))).toBe("sandbox")
          const handle = yield* Sandbox.get("bad-timeouts")
          expect((yield* noCall(failure(handle.stop({ timeout: -1 })))).argument).toBe("timeout")
          expect((yield* noCall(failure(handle.logs({ until: loose("tomorrow") })))).argument).toBe("until")
        }))
      }))
  })
})

describe("issue 10: the layer's options", () => {
  it.effect("a library or msb path C would cut, a thread count that is not a positive integer: typed, nothing loaded", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [{ libraryPath: `${Double.libraryPath}\0.evil` }, "libraryPath"],
        [{ msbPath: "/usr/bin/msb\0x" }, "msbPath"],
        [{ libraryPath: 42 }, "libraryPath"],
        [{ threads: { maxWorkers: 0 } }, "threads.maxWorkers"],
        [{ threads: { sliceMs: Number.NaN } }, "threads.sliceMs"],
        [null, "options"]
      ]
      for (const [options, option] of cases) {
        const exit = yield* Effect.exit(Effect.scoped(MicrosandboxModule.make(loose(options))))
        expect(
          Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error._tag : "not a typed failure"
        )
          .toBe("LibraryNotLoaded")
        if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
          expect(exit.cause.error.message).toContain(option)
        }
      }
    }))
})

describe("issue 10: values the runtime rejects do not reach it", () => {
  const field = (...options: ReadonlyArray<SandboxConfig.Option>) =>
    Either.match(SandboxConfig.validate("n", SandboxConfig.make(...options)), {
      onLeft: (e) => e.field,
      onRight: () => undefined
    })
  const ok = (...options: ReadonlyArray<SandboxConfig.Option>) => expect(field(...options)).toBeUndefined()

  layer(Double.layer(), { excludeTestServices: true })((it) => {
    it.effect("image references with whitespace, newlines or upper case; what the reference grammar accepts", () =>
      Effect.gen(function*() {
        for (
          const bad of ["alp ine", "alpine\n", " alpine", "alpine:3.19\nrm", "Alpine", "alpine:", "a//b", ""]
        ) {
          expect([bad, field(SandboxConfig.image(bad))]).toEqual([bad, "image"])
        }
        ok(SandboxConfig.image("alpine"))
        ok(SandboxConfig.image("python:3.12"))
        ok(SandboxConfig.image("localhost:5050/app:latest"))
        ok(SandboxConfig.image("ghcr.io/org/app_x/web-ui:v1.2.3"))
        ok(SandboxConfig.image(`docker.io/library/alpine@sha256:${"ab".repeat(32)}`))
        ok(SandboxConfig.image("./rootfs with spaces"))
        const creates = calls("msb_sandbox_create")
        const error = yield* failure(Effect.scoped(Sandbox.make("ws-image", SandboxConfig.image("alpine\n"))))
        expect([error._tag, error.field]).toEqual(["InvalidConfig", "image"])
        expect(calls("msb_sandbox_create")).toBe(creates)
      }))

    it.effect("durations: 1e308, infinity and negatives are refused; the runtime's units bound the range", () =>
      Effect.gen(function*() {
        const huge = Duration.millis(1e308)
        expect(field(alpine, SandboxConfig.maxDuration(huge))).toBe("maxDuration")
        expect(field(alpine, SandboxConfig.idleTimeout(huge))).toBe("idleTimeout")
        expect(field(alpine, SandboxConfig.replaceWithTimeout(huge))).toBe("replaceTimeout")
        expect(field(alpine, SandboxConfig.maxDuration(Duration.infinity))).toBe("maxDuration")
        expect(field(alpine, SandboxConfig.release("stop", 1e308))).toBe("releaseTimeout")
        // maxDuration(-5000) used to mean "no limit".
        for (
          const negative of [-5000, "-5 seconds", -1n, Number.NaN, "soon"].map(loose<Duration.DurationInput>)
        ) {
          expect([negative, field(alpine, SandboxConfig.maxDuration(negative))]).toEqual([
            negative,
            "maxDuration"
          ])
          expect(field(alpine, SandboxConfig.idleTimeout(negative))).toBe("idleTimeout")
        }
        expect(
          Either.getLeft(
            SandboxConfig.validate("n", SandboxConfig.make(alpine, SandboxConfig.maxDuration(-5000)))
          )
            .pipe((e) => e._tag === "Some" ? e.value.message : "")
        ).toContain("non-negative")
        // Whole seconds up to 2^53-1 are accepted; zero is the runtime's "no limit".
        ok(alpine, SandboxConfig.maxDuration(Duration.seconds(Number.MAX_SAFE_INTEGER)))
        ok(alpine, SandboxConfig.maxDuration(0))
        expect(field(alpine, SandboxConfig.maxDuration(Duration.seconds(Number.MAX_SAFE_INTEGER + 2)))).toBe(
          "maxDuration"
        )
        const creates = calls("msb_sandbox_create")
        const error = yield* failure(
          Effect.scoped(Sandbox.make("neg", alpine, SandboxConfig.maxDuration(-5000)))
        )
        expect(error.field).toBe("maxDuration")
        expect(calls("msb_sandbox_create")).toBe(creates)
      }))

    it.effect("a port-binding address must be an IP address", () =>
      Effect.gen(function*() {
        for (
          const bind of [
            "localhost",
            "127.0.0.1:80",
            "256.1.1.1",
            "01.2.3.4",
            "[::1]",
            "::1%eth0",
            "1.2.3",
            ""
          ]
        ) {
          expect([bind, field(alpine, SandboxConfig.portBindings({ hostPort: 8080, guestPort: 80, bind }))])
            .toEqual([bind, "portBindings"])
        }
        for (
          const bind of [
            "127.0.0.1",
            "0.0.0.0",
            "::1",
            "::",
            "fe80::1",
            "2001:db8::8a2e:370:7334",
            "::ffff:1.2.3.4"
          ]
        ) {
          ok(alpine, SandboxConfig.portBindings({ hostPort: 8080, guestPort: 80, bind }))
        }
      }))

    it.effect("other ranges: sizes, counts, ports, paths, labels, env", () =>
      Effect.sync(() => {
        expect(field(alpine, SandboxConfig.memory(1.5))).toBe("memoryMib")
        expect(field(alpine, SandboxConfig.memory(Number.NaN))).toBe("memoryMib")
        expect(field(alpine, SandboxConfig.cpus(Infinity))).toBe("cpus")
        expect(field(alpine, SandboxConfig.ports(loose(null)))).toBe("ports")
        expect(field(alpine, SandboxConfig.env({ "": "x" }))).toBe("env")
        expect(field(alpine, SandboxConfig.env({ "A=B": "x" }))).toBe("env")
        expect(field(alpine, SandboxConfig.label(loose(Symbol("k")), "v"))).toBe("labels")
        expect(field(alpine, SandboxConfig.hostname("a\0b"))).toBe("hostname")
        expect(field(alpine, SandboxConfig.scripts({ s: "echo \uD800" }))).toBe("scripts")
        expect(field(alpine, SandboxConfig.vsock({ hostSocket: "/s", port: -1 }))).toBe("vsock")
        expect(field(alpine, SandboxConfig.registryCaCerts(loose(42)))).toBe("registryCaCerts")
      }))
  })
})
