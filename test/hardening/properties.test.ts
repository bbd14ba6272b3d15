// Issue 10, "Property tests": every public constructor and operation we can reach, fed
// arbitrary and hostile values (NUL bytes, lone surrogates, huge numbers, NaN, wrong
// types), either succeeds or fails with a typed error: it never throws and never dies,
// and nothing invalid reaches the double (its call counters prove it).
//
// The seed is printed; replay a run with FC_SEED=<seed>.
import { afterAll, describe, expect, it, layer } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as fc from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Init from "../../src/Init.js"
import { createDocument } from "../../src/internal/sandbox.js"
import { jsonProblem } from "../../src/internal/validate.js"
import * as Metrics from "../../src/Metrics.js"
import type { Microsandbox } from "../../src/Microsandbox.js"
import { isMicrosandboxError } from "../../src/MicrosandboxError.js"
import * as Mount from "../../src/Mount.js"
import * as Network from "../../src/Network.js"
import * as Patch from "../../src/Patch.js"
import * as RootDisk from "../../src/RootDisk.js"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as Secret from "../../src/Secret.js"
import * as Double from "../support/double.js"

// `copyToHost` writes to the host path it is given, and the properties give it any string:
// every string is kept as it is (NUL, lone surrogates…) but placed under a fresh directory
// of this run (removed afterwards), so that nothing lands in the repository or elsewhere.
const hostDir = mkdtempSync(join(tmpdir(), "msb-properties-host-"))
afterAll(() => rmSync(hostDir, { recursive: true, force: true }))
const onHost = (path: unknown): unknown =>
  typeof path === "string" ? join(hostDir, path.replaceAll("..", "__")) : path

const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 0x7fffffff))
// Printed so that a failing run can be replayed exactly.
console.log(
  `[properties] fast-check seed ${seed} (replay: FC_SEED=${seed} npx vitest run test/hardening/properties.test.ts)`
)
const runs = (numRuns: number) => ({ fastCheck: { seed, numRuns } })

// ------------------------------------------------------------------ arbitraries

/** Characters C or UTF-8 cannot carry, and characters a runtime might misread. */
const poison = fc.constantFrom("\0", "\uD800", "\uDFFF", "\uDBFF\u0041", "\n", " ", "\\u0000", "\u0000\u0000")
/** A string with at least one NUL byte or lone surrogate in it. */
const badString = fc.tuple(fc.string(), fc.constantFrom("\0", "\uD800", "\uDC00"), fc.string()).map(
  ([a, b, c]) => a + b + c
)
const hostileString = fc.oneof(
  fc.string(),
  fc.fullUnicodeString(),
  fc.tuple(fc.string(), poison, fc.string()).map(([a, b, c]) => a + b + c),
  fc.string({ minLength: 200, maxLength: 400 })
)
const hostileNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, 1e308, -5000, -0, 0.5, 2 ** 53, 2 ** 64, Number.MAX_VALUE)
)
/** Anything a JavaScript caller might pass. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.bigInt() },
  { weight: 2, arbitrary: fc.anything() },
  {
    weight: 1,
    arbitrary: fc.constantFrom(undefined, null, true, Symbol("s"), () => 1, [] as Array<unknown>)
  },
  { weight: 1, arbitrary: fc.dictionary(hostileString, fc.oneof(hostileString, hostileNumber)) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 3 }) }
)

/** Whether `u` holds, anywhere, a string that C or UTF-8 cannot carry. */
const holdsBadString = (u: unknown, depth = 0): boolean => {
  if (typeof u === "string") {
    return u.includes("\0") || /[\uD800-\uDFFF]/.test(u.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ""))
  }
  if (depth > 6 || typeof u !== "object" || u === null) return false
  return Object.entries(u).some(([k, v]) => holdsBadString(k, depth + 1) || holdsBadString(v, depth + 1))
}

const totalCalls = () => Object.values(Double.counters().calls).reduce((a, b) => a + b, 0)
const calls = (fn: string) => Double.counters().calls[fn] ?? 0

/** Never a defect, never an interruption: success, or a failure that is one of the library's errors. */
const expectTyped = (exit: Exit.Exit<unknown, unknown>, input: unknown) => {
  if (Exit.isSuccess(exit)) return
  expect({ input, defects: Cause.defects(exit.cause).pipe((d) => [...d].map(String)) }).toEqual({
    input,
    defects: []
  })
  expect(Cause.isInterruptedOnly(exit.cause)).toBe(false)
  const failures = [...Cause.failures(exit.cause)]
  expect(failures.length).toBeGreaterThan(0)
  for (const f of failures) expect(isMicrosandboxError(f)).toBe(true)
}
const failedWith = (exit: Exit.Exit<unknown, unknown>, tag: string) =>
  Exit.isFailure(exit) && [...Cause.failures(exit.cause)].some((f) => (f as { _tag?: string })._tag === tag)

// ------------------------------------------------------------------ SandboxConfig helpers (pure)

type AnyFn = (...args: ReadonlyArray<unknown>) => unknown
const option = (f: unknown) => f as AnyFn
/** Every option helper with its arity (-1: variadic). */
const helpers: ReadonlyArray<readonly [string, AnyFn, number]> = Object.entries({
  image: 1,
  imageDisk: 2,
  bindRootfs: 1,
  rootDisk: 1,
  ociUpperSize: 1,
  fromSnapshot: 1,
  memory: 1,
  cpus: 1,
  maxMemory: 1,
  maxCpus: 1,
  cpuPlacement: 1,
  placementProfile: 1,
  thp: 1,
  workdir: 1,
  shell: 1,
  securityProfile: 1,
  deploymentProfile: 1,
  env: 1,
  labels: 1,
  label: 2,
  hostname: 1,
  user: 1,
  replace: 0,
  replaceWithTimeout: 1,
  detached: 0,
  ephemeral: 1,
  entrypoint: -1,
  cmd: -1,
  init: 1,
  logLevel: 1,
  quietLogs: 0,
  scripts: 1,
  pullPolicy: 1,
  maxDuration: 1,
  idleTimeout: 1,
  registryAuth: 2,
  registryInsecure: 0,
  registryCaCerts: -1,
  ports: 1,
  portsUdp: 1,
  portBindings: -1,
  vsock: -1,
  network: 1,
  secrets: -1,
  patches: -1,
  mounts: 1,
  release: 2,
  from: 1
}).map(([name, arity]) =>
  [name, option((SandboxConfig as unknown as Record<string, unknown>)[name]), arity] as const
)

/** Factories of the modules whose values a configuration carries. */
const factories: ReadonlyArray<readonly [string, AnyFn, number]> = [
  ["Secret.env", option(Secret.env), 3],
  ["Mount.bind", option(Mount.bind), 2],
  ["Mount.named", option(Mount.named), 2],
  ["Mount.tmpfs", option(Mount.tmpfs), 1],
  ["Mount.disk", option(Mount.disk), 2],
  ["Patch.text", option(Patch.text), 3],
  ["Patch.append", option(Patch.append), 2],
  ["Patch.mkdir", option(Patch.mkdir), 2],
  ["Patch.remove", option(Patch.remove), 1],
  ["Patch.symlink", option(Patch.symlink), 3],
  ["Patch.copyFile", option(Patch.copyFile), 3],
  ["Patch.copyDir", option(Patch.copyDir), 3],
  ["Init.cmd", option(Init.cmd), 2],
  ["RootDisk.managed", option(RootDisk.managed), 1],
  ["RootDisk.tmpfs", option(RootDisk.tmpfs), 1],
  ["RootDisk.diskImage", option(RootDisk.diskImage), 2],
  ["RootDisk.flat", option(RootDisk.flat), 1],
  ["Network.allow", option(Network.allow), 1],
  ["Network.deny", option(Network.deny), 1],
  ["Network.fromProfiles", option(Network.fromProfiles), 2]
]

const call = (f: AnyFn, args: ReadonlyArray<unknown>) => f(...args)

/** Plausible-looking configurations (the model's shape with unrefined values): some valid, most not. */
const LooseConfig = Schema.Struct({
  image: Schema.optional(Schema.Literal("alpine", "python:3.12", "Alpine", "alp ine", "")),
  memoryMib: Schema.optional(Schema.Number),
  cpus: Schema.optional(Schema.Number),
  env: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  labels: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  workdir: Schema.optional(Schema.String),
  hostname: Schema.optional(Schema.String),
  maxDuration: Schema.optional(Schema.DurationFromSelf),
  replaceTimeout: Schema.optional(Schema.DurationFromSelf),
  ports: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Number })),
  portBindings: Schema.optional(
    Schema.Array(
      Schema.Struct({
        hostPort: Schema.Number,
        guestPort: Schema.Number,
        bind: Schema.optional(Schema.String)
      })
    )
  ),
  release: Schema.optional(Schema.Literal("stop", "kill", "nuke")),
  ephemeral: Schema.optional(Schema.Boolean)
})
const looseConfig = fc.oneof(
  { weight: 4, arbitrary: Arbitrary.make(LooseConfig) },
  { weight: 1, arbitrary: Arbitrary.make(LooseConfig).map((c) => ({ ...c, image: "alpine" })) },
  { weight: 1, arbitrary: fc.constant({ image: "alpine" }) },
  { weight: 1, arbitrary: hostile }
)

describe("properties: SandboxConfig", () => {
  it.prop(
    "option helpers and the factories of Secret, Mount, Patch, Init, RootDisk, Network never throw; validate decides; what it accepts encodes to a clean document",
    {
      helper: fc.integer({ min: 0, max: helpers.length - 1 }),
      factory: fc.integer({ min: 0, max: factories.length - 1 }),
      args: fc.array(hostile, { maxLength: 3 }),
      factoryArgs: fc.array(hostile, { maxLength: 3 }),
      useFactory: fc.boolean(),
      name: fc.oneof(fc.constant("ok-name"), hostile)
    },
    ({ args, factory, factoryArgs, helper, name, useFactory }) => {
      const [, help, arity] = helpers[helper]!
      const [, make, factoryArity] = factories[factory]!
      const built = useFactory ? call(make, factoryArgs.slice(0, factoryArity)) : undefined
      const given = arity < 0 ? args : args.slice(0, arity)
      const option = call(help, useFactory ? [built, ...given.slice(1)] : given) as SandboxConfig.Option
      const config = SandboxConfig.make(SandboxConfig.image("alpine"), option)
      const result = SandboxConfig.validate(name as string, config)
      if (Either.isRight(result)) {
        const doc = Either.getOrThrow(createDocument(result.right))
        expect(jsonProblem(doc)).toBeUndefined()
        expect(JSON.parse(doc)).toBeTypeOf("object")
        expect(Either.getOrThrow(SandboxConfig.encode(result.right))).toBeTypeOf("object")
      } else {
        expect(result.left._tag).toBe("InvalidConfig")
        expect(result.left.field).toBeTypeOf("string")
      }
    },
    runs(1000)
  )

  it.prop(
    "a whole configuration from anywhere (Schema-shaped or hostile) decodes or is InvalidConfig naming a member; never throws",
    { config: looseConfig, name: fc.oneof(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), hostile) },
    ({ config, name }) => {
      const result = SandboxConfig.validate(name as string, config as SandboxConfig.SandboxConfig)
      if (Either.isLeft(result)) {
        expect(result.left._tag).toBe("InvalidConfig")
      } else {
        expect(holdsBadString(config)).toBe(false)
        expect(jsonProblem(Either.getOrThrow(createDocument(result.right)))).toBeUndefined()
      }
    },
    runs(1000)
  )

  it.prop(
    "durations: every helper refuses negative, NaN or unencodable inputs and accepts what the runtime can read",
    { input: fc.oneof(hostileNumber, fc.bigInt(), hostileString, fc.constant(Duration.infinity)) },
    ({ input }) => {
      for (
        const helper of [
          SandboxConfig.maxDuration,
          SandboxConfig.idleTimeout,
          SandboxConfig.replaceWithTimeout
        ]
      ) {
        const result = SandboxConfig.validate(
          "n",
          SandboxConfig.make(SandboxConfig.image("alpine"), helper(input as never))
        )
        const negative = (typeof input === "number" && (input < 0 || Number.isNaN(input))) ||
          (typeof input === "bigint" && input < 0n) || (typeof input === "string" && /^\s*-/.test(input))
        if (negative) expect(Either.isLeft(result)).toBe(true)
        if (Either.isRight(result)) {
          const doc = JSON.parse(Either.getOrThrow(createDocument(result.right))) as Record<string, unknown>
          for (const key of ["max_duration_secs", "idle_timeout_secs", "replace_with_timeout_ms"]) {
            if (key in doc) expect(Number.isSafeInteger(doc[key])).toBe(true)
          }
        }
      }
    },
    runs(500)
  )
})

// ------------------------------------------------------------------ against the double

class Box extends Context.Tag("test/PropertiesBox")<Box, Sandbox.Sandbox>() {}
const BoxLive = Sandbox.layer(Box, "prop-box", SandboxConfig.image("alpine"))
let made = 0

describe("properties: operations against the double", () => {
  layer(Layer.provideMerge(BoxLive, Double.layer()), { excludeTestServices: true })((it) => {
    it.effect.prop(
      "Sandbox.make / makeWith: typed outcome; create is called exactly when the config decodes; no sandbox is left running",
      {
        name: fc.oneof({ weight: 3, arbitrary: fc.constant("valid") }, { weight: 2, arbitrary: hostile }),
        config: looseConfig,
        form: fc.boolean()
      },
      ({ config, form, name }) =>
        Effect.gen(function*() {
          const actualName = name === "valid" ? `prop-${made++}` : name
          const valid = Either.isRight(
            SandboxConfig.validate(actualName as string, config as SandboxConfig.SandboxConfig)
          )
          const before = {
            creates: calls("msb_sandbox_create"),
            total: totalCalls(),
            handles: Double.openHandles()
          }
          const effect = form
            ? Sandbox.makeWith(actualName as string, config as SandboxConfig.SandboxConfig)
            : Sandbox.make(actualName as string, SandboxConfig.from(config as SandboxConfig.SandboxConfig))
          const exit = yield* Effect.exit(Effect.scoped(effect))
          expectTyped(exit, { name: actualName, config })
          if (!valid) {
            expect(failedWith(exit, "InvalidConfig")).toBe(true)
            expect(totalCalls()).toBe(before.total)
          } else {
            expect(calls("msb_sandbox_create")).toBe(before.creates + 1)
            if (Exit.isSuccess(exit)) expect(yield* Double.status(actualName as string)).not.toBe("running")
          }
          expect(Double.openHandles()).toBe(before.handles)
        }),
      runs(60)
    )

    it.effect.prop(
      "by-name operations (get, remove, start, connect): typed; a name C cannot carry makes no native call",
      {
        name: fc.oneof(fc.stringMatching(/^[a-z][a-z0-9._-]{0,12}$/), hostile),
        op: fc.integer({ min: 0, max: 3 })
      },
      ({ name, op }) =>
        Effect.gen(function*() {
          const ops = [Sandbox.get, Sandbox.remove, Sandbox.start, Sandbox.connect] as ReadonlyArray<
            (name: string) => Effect.Effect<unknown, unknown, Microsandbox | Scope.Scope>
          >
          const before = { total: totalCalls(), handles: Double.openHandles() }
          const exit = yield* Effect.exit(Effect.scoped(ops[op]!(name as string)))
          expectTyped(exit, name)
          if (typeof name !== "string" || holdsBadString(name) || name.length === 0) {
            expect(Exit.isFailure(exit)).toBe(true)
            expect(totalCalls()).toBe(before.total)
          }
          expect(Double.openHandles()).toBe(before.handles)
        }),
      runs(150)
    )

    it.effect.prop(
      "SandboxFs: every operation is typed for any path and data; a path C cannot carry makes no native call",
      {
        op: fc.integer({ min: 0, max: 12 }),
        path: fc.oneof(fc.stringMatching(/^\/tmp\/p[a-z0-9]{0,6}$/), badString, hostile),
        other: fc.oneof(fc.stringMatching(/^\/tmp\/q[a-z0-9]{0,6}$/), badString, hostile),
        data: fc.oneof(hostileString, fc.uint8Array({ maxLength: 64 }), hostile)
      },
      ({ data, op, other, path }) =>
        Effect.gen(function*() {
          const { fs } = yield* Box
          const p = path as string
          const o = other as string
          const ops: ReadonlyArray<() => Effect.Effect<unknown, unknown>> = [
            () => fs.read(p),
            () => fs.readString(p),
            () => fs.write(p, data as string),
            () => fs.list(p),
            () => fs.stat(p),
            () => fs.exists(p),
            () => fs.mkdir(p),
            () => fs.remove(p),
            () => fs.removeDir(p),
            () => fs.copy(p, o),
            () => fs.rename(p, o),
            () => Stream.runDrain(fs.readStream(p)),
            () => fs.copyToHost(p, onHost(o) as string)
          ]
          const before = totalCalls()
          const exit = yield* Effect.exit(ops[op]!())
          expectTyped(exit, { op, path, other })
          const pathBad = typeof path !== "string" || holdsBadString(path) || !path.startsWith("/")
          if (pathBad) {
            expect(Exit.isFailure(exit)).toBe(true)
            expect(totalCalls()).toBe(before)
          }
        }),
      runs(200)
    )

    it.effect.prop(
      "logs, logStream, metricsStream, Metrics.poll: typed for any options; a value C cannot carry makes no native call",
      {
        options: fc.oneof(
          fc.record(
            {
              tail: fc.oneof(fc.nat(5), hostileNumber, hostile),
              since: fc.oneof(fc.constant(new Date(0)), hostileNumber, hostile),
              until: fc.oneof(fc.constant(new Date(8.64e15)), hostileNumber, hostile),
              sources: fc.oneof(
                fc.constant(["stdout"]),
                fc.array(fc.oneof(fc.string(), badString), { maxLength: 2 })
              ),
              afterCursor: fc.oneof(fc.string(), badString, hostile),
              follow: fc.constant(false)
            },
            { requiredKeys: [] }
          ),
          hostile
        ),
        interval: fc.oneof(fc.constant("20 millis"), hostileNumber, hostile),
        form: fc.integer({ min: 0, max: 4 })
      },
      ({ form, interval, options }) =>
        Effect.gen(function*() {
          const sandbox = yield* Box
          const handle = yield* Sandbox.get("prop-box")
          const o = options as never
          const before = { total: totalCalls(), handles: Double.openHandles() }
          const run: Effect.Effect<unknown, unknown> = [
            () => sandbox.logs(o),
            () => Stream.runDrain(sandbox.logStream(o)),
            () => handle.logs(o),
            () => Stream.runDrain(Stream.take(sandbox.metricsStream(interval as Duration.DurationInput), 1)),
            () => Stream.runDrain(Stream.take(Metrics.poll(sandbox, interval as Duration.DurationInput), 1))
          ][form]!()
          const exit = yield* Effect.exit(run)
          expectTyped(exit, { form, options, interval })
          const given = (typeof options === "object" && options !== null ? options : {}) as Record<
            string,
            unknown
          >
          if (form < 3 && holdsBadString([given.sources, given.afterCursor])) {
            expect(Exit.isFailure(exit)).toBe(true)
            expect(totalCalls()).toBe(before.total)
          }
          expect(Double.openHandles()).toBe(before.handles)
        }),
      runs(120)
    )

    it.effect.prop(
      "exec: typed for any command, arguments and options; a string C cannot carry makes no native call",
      {
        command: fc.oneof(fc.constant("echo"), badString, hostile),
        args: fc.oneof(fc.array(fc.oneof(fc.string(), badString), { maxLength: 3 }), hostile),
        options: fc.oneof(
          fc.record(
            {
              cwd: fc.oneof(fc.constant("/"), badString, hostile),
              env: fc.oneof(
                fc.dictionary(
                  fc.oneof(fc.stringMatching(/^[A-Z]{1,4}$/), badString),
                  fc.oneof(fc.string(), badString)
                ),
                hostile
              ),
              user: fc.oneof(badString, hostile.filter((u) => typeof u !== "string")),
              timeout: fc.oneof(fc.constant("5 seconds"), hostileNumber, hostile),
              tty: fc.oneof(fc.boolean(), hostile),
              stdin: fc.oneof(fc.string(), fc.uint8Array({ maxLength: 16 }), hostile)
            },
            { requiredKeys: [] }
          ),
          hostile
        ),
        form: fc.integer({ min: 0, max: 2 })
      },
      ({ args, command, form, options }) =>
        Effect.gen(function*() {
          const sandbox = yield* Box
          const before = { opens: calls("msb_sandbox_exec_stream"), handles: Double.openHandles() }
          // The double runs commands as host processes: a command (or script) that would
          // pass the checks is always the harmless `echo`.
          const c = typeof command === "string" && !holdsBadString(command) ? "echo" : command as string
          const a = args as ReadonlyArray<string>
          const o = options as never
          const run: Effect.Effect<unknown, unknown> = form === 0
            ? sandbox.exec(c, a, o)
            : form === 1
            ? Stream.runDrain(sandbox.execStream(c, a, o))
            : sandbox.shell(c === "echo" ? "echo hi" : c, o)
          const exit = yield* Effect.exit(run)
          expectTyped(exit, { command, args, options })
          // The options that are read and sent (stdin is data, sent as base64; unknown keys are ignored).
          const given = (typeof options === "object" && options !== null ? options : {}) as Record<
            string,
            unknown
          >
          const checked = [given.cwd, given.env, given.user]
          if (holdsBadString([command, form === 2 ? [] : args, checked]) || typeof command !== "string") {
            expect(Exit.isFailure(exit)).toBe(true)
            expect(calls("msb_sandbox_exec_stream")).toBe(before.opens)
          }
          expect(Double.openHandles()).toBe(before.handles)
        }),
      runs(120)
    )
  })
})
