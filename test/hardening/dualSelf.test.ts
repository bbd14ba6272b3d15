// The module-level data-first/data-last functions (`Function.dual`) given a `self` that
// is not what they operate on, as a JavaScript caller might pass one (null, undefined, a
// number, a string, a plain object, an array, a value of another module): building the
// Effect or Stream does not throw, running it fails with one `InvalidArgument` naming the
// operation and the argument, and the double's call counters prove that no native call
// was made. The list of functions is checked against every `dual(` in src/*.ts, so a new
// dual without a case here fails the test.
//
// The seed of the property is printed; replay a run with FC_SEED=<seed>.
import { describe, expect, it, layer } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as fc from "effect/FastCheck"
import * as Predicate from "effect/Predicate"
import * as Stream from "effect/Stream"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import * as Image from "../../src/Image.js"
import * as Errors from "../../src/MicrosandboxError.js"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as SandboxFilter from "../../src/SandboxFilter.js"
import * as SandboxHandle from "../../src/SandboxHandle.js"
import * as Snapshot from "../../src/Snapshot.js"
import * as Ssh from "../../src/Ssh.js"
import * as Volume from "../../src/Volume.js"
import * as Double from "../support/double.js"

const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 0x7fffffff))
// Printed so that a failing run can be replayed exactly.
console.log(
  `[dual self] fast-check seed ${seed} (replay: FC_SEED=${seed} npx vitest run test/hardening/dualSelf.test.ts)`
)

// ------------------------------------------------------------------ the cases

/** A value of another module's kind (a library value that is none of the kinds operated on here but a filter). */
const foreignError = new Errors.InvalidArgument({ message: "m", operation: "o", argument: "a" })
const filter = SandboxFilter.empty

/** Bad `self` values every case is tried with (less the ones its `self` legitimately accepts). */
const badSelves: ReadonlyArray<unknown> = [null, undefined, 42, "x", {}, [], filter, foreignError, () => 1]

type Kind = "effect" | "stream"

interface Case {
  /** `Module.export`, also the operation the error must name. */
  readonly name: string
  /** The name of `self` in the error. */
  readonly argument: string
  readonly kind: Kind
  /** The data-first call, every other argument valid. */
  readonly call: (self: unknown) => unknown
  /** A one-argument call, when the data-last form takes only options: a bad `self` that cannot be options is data-first too. */
  readonly one?: (self: unknown) => unknown
  /** The `self` values this function accepts (left out of the bad ones). */
  readonly accepts?: (u: unknown) => boolean
  /** The failure when not `InvalidArgument`: a sandbox name is configuration to `Snapshot.create`. */
  readonly refusedAs?: "InvalidConfig"
}

// Casts: a JavaScript caller has no types; these values reach the functions as they are.
const sb = (u: unknown) => u as Sandbox.Sandbox
const hd = (u: unknown) => u as SandboxHandle.SandboxHandle
const vol = (u: unknown) => u as Volume.Volume
const cl = (u: unknown) => u as Ssh.SshClient
const sf = (u: unknown) => u as Ssh.Sftp
const fl = (u: unknown) => u as SandboxFilter.SandboxFilter

const onSandbox = (name: string, kind: Kind, call: Case["call"], one?: Case["one"]): Case => ({
  name: `Sandbox.${name}`,
  argument: "sandbox",
  kind,
  call,
  ...(one === undefined ? {} : { one })
})

const cases: ReadonlyArray<Case> = [
  {
    name: "Sandbox.stream",
    argument: "filter",
    kind: "stream",
    call: (s) => Sandbox.stream(fl(s), { pageSize: 5 }),
    one: (s) => Sandbox.stream(fl(s)),
    accepts: SandboxFilter.isSandboxFilter
  },
  onSandbox("exec", "effect", (s) => Sandbox.exec(sb(s), "ls", ["-l"], {})),
  onSandbox("shell", "effect", (s) => Sandbox.shell(sb(s), "ls", {})),
  onSandbox("execStream", "stream", (s) => Sandbox.execStream(sb(s), "ls", ["-l"], {})),
  onSandbox("stop", "effect", (s) => Sandbox.stop(sb(s), {}), (s) => Sandbox.stop(sb(s))),
  onSandbox("kill", "effect", (s) => Sandbox.kill(sb(s), {}), (s) => Sandbox.kill(sb(s))),
  onSandbox("modify", "effect", (s) => Sandbox.modify(sb(s), { cpus: 2 }, {})),
  onSandbox(
    "execDefault",
    "effect",
    (s) => Sandbox.execDefault(sb(s), {}),
    (s) => Sandbox.execDefault(sb(s))
  ),
  onSandbox(
    "execDefaultStream",
    "stream",
    (s) => Sandbox.execDefaultStream(sb(s), {}),
    (s) => Sandbox.execDefaultStream(sb(s))
  ),
  onSandbox("shellStream", "stream", (s) => Sandbox.shellStream(sb(s), "ls", {})),
  onSandbox("spawn", "effect", (s) => Sandbox.spawn(sb(s), "ls", ["-l"], {})),
  onSandbox("attach", "effect", (s) => Sandbox.attach(sb(s), "sh", [], {})),
  onSandbox(
    "attachDefault",
    "effect",
    (s) => Sandbox.attachDefault(sb(s), {}),
    (s) => Sandbox.attachDefault(sb(s))
  ),
  onSandbox("logs", "effect", (s) => Sandbox.logs(sb(s), {}), (s) => Sandbox.logs(sb(s))),
  onSandbox("logStream", "stream", (s) => Sandbox.logStream(sb(s), {}), (s) => Sandbox.logStream(sb(s))),
  onSandbox("metricsStream", "stream", (s) => Sandbox.metricsStream(sb(s), "1 second")),
  onSandbox("readFile", "effect", (s) => Sandbox.readFile(sb(s), "/etc/hostname")),
  onSandbox("readFileString", "effect", (s) => Sandbox.readFileString(sb(s), "/etc/hostname")),
  onSandbox("writeFile", "effect", (s) => Sandbox.writeFile(sb(s), "/tmp/x", "data")),
  {
    name: "SandboxHandle.stop",
    argument: "handle",
    kind: "effect",
    call: (s) => SandboxHandle.stop(hd(s), {}),
    one: (s) => SandboxHandle.stop(hd(s))
  },
  {
    name: "SandboxHandle.kill",
    argument: "handle",
    kind: "effect",
    call: (s) => SandboxHandle.kill(hd(s), {}),
    one: (s) => SandboxHandle.kill(hd(s))
  },
  {
    name: "SandboxHandle.logs",
    argument: "handle",
    kind: "effect",
    call: (s) => SandboxHandle.logs(hd(s), {}),
    one: (s) => SandboxHandle.logs(hd(s))
  },
  {
    name: "SandboxHandle.logStream",
    argument: "handle",
    kind: "stream",
    call: (s) => SandboxHandle.logStream(hd(s), {}),
    one: (s) => SandboxHandle.logStream(hd(s))
  },
  {
    name: "SandboxHandle.modify",
    argument: "handle",
    kind: "effect",
    call: (s) => SandboxHandle.modify(hd(s), { cpus: 2 }, {})
  },
  ...(["read", "readString", "mkdir", "removeFile", "removeDir", "exists"] as const).map((name): Case => ({
    name: `Volume.${name}`,
    argument: "volume",
    kind: "effect",
    call: (s) => Volume[name](vol(s), "dir/file")
  })),
  {
    name: "Volume.write",
    argument: "volume",
    kind: "effect",
    call: (s) => Volume.write(vol(s), "dir/file", "data")
  },
  {
    name: "Ssh.openClient",
    argument: "sandbox",
    kind: "effect",
    call: (s) => Ssh.openClient(sb(s), { user: "root" }),
    one: (s) => Ssh.openClient(sb(s))
  },
  {
    name: "Ssh.prepareServer",
    argument: "sandbox",
    kind: "effect",
    call: (s) => Ssh.prepareServer(sb(s), {}),
    one: (s) => Ssh.prepareServer(sb(s))
  },
  { name: "Ssh.exec", argument: "client", kind: "effect", call: (s) => Ssh.exec(cl(s), "id -u", {}) },
  {
    name: "Ssh.attach",
    argument: "client",
    kind: "effect",
    call: (s) => Ssh.attach(cl(s), {}),
    one: (s) => Ssh.attach(cl(s))
  },
  { name: "Ssh.read", argument: "sftp", kind: "effect", call: (s) => Ssh.read(sf(s), "/etc/hostname") },
  { name: "Ssh.write", argument: "sftp", kind: "effect", call: (s) => Ssh.write(sf(s), "/tmp/x", "data") },
  // `self` is data here (a name, a reference, a path): strings and records of the right shape are valid.
  {
    name: "Snapshot.create",
    // Its source sandbox is the `from` field of the snapshot configuration (as before this test).
    argument: "from",
    kind: "effect",
    call: (s) => Snapshot.create(s as string, { name: "snap" }),
    refusedAs: "InvalidConfig",
    accepts: (u) => typeof u === "string" || Predicate.hasProperty(u, "name")
  },
  {
    name: "Snapshot.remove",
    argument: "snapshot",
    kind: "effect",
    call: (s) => Snapshot.remove(s as string, {}),
    one: (s) => Snapshot.remove(s as string),
    accepts: (u) => typeof u === "string"
  },
  {
    name: "Snapshot.exportArchive",
    argument: "snapshot",
    kind: "effect",
    call: (s) => Snapshot.exportArchive(s as string, "/tmp/dual-self-out.tar", {}),
    accepts: (u) => typeof u === "string"
  },
  {
    name: "Image.remove",
    argument: "image",
    kind: "effect",
    call: (s) => Image.remove(s as string, {}),
    one: (s) => Image.remove(s as string),
    accepts: (u) => typeof u === "string"
  },
  {
    name: "Image.save",
    argument: "images",
    kind: "effect",
    call: (s) => Image.save(s as string, "/tmp/dual-self-out.tar", {}),
    accepts: (u) => typeof u === "string"
  }
]

/** Pure combinators (no error channel): checked below, each in its own way. */
const pure = ["SandboxFilter.label", "SandboxFilter.labels", "SandboxFilter.limit", "SandboxFilter.cursor"]
const pureConfig = ["SandboxConfig.apply"]

/**
 * Duals whose `self` is not a value of this library and whose error channel is the
 * caller's own `E` (no `InvalidArgument` in it): left alone.
 */
const excluded = [
  "Exec.lines", // self: the caller's Stream<ExecEvent, E, R>
  "Sandbox.parallelRelease" // self: the caller's Effect<A, E, R>
]

// ------------------------------------------------------------------ completeness

/** `Module.export` of every `dual(` in src/*.ts (the nearest `export const` above it). */
const dualsInSources = (): ReadonlyArray<string> => {
  const src = join(import.meta.dirname, "../../src")
  const found: Array<string> = []
  for (const file of readdirSync(src).filter((f) => f.endsWith(".ts")).sort()) {
    const module = file.slice(0, -3)
    let current: string | undefined
    for (const line of readFileSync(join(src, file), "utf8").split("\n")) {
      const exported = /^export const (\w+)/.exec(line)
      if (exported !== null) current = exported[1]
      if (/(^|[^\w.])dual\(/.test(line) && !/^\s*(\/\/|\*)/.test(line)) found.push(`${module}.${current}`)
    }
  }
  return found
}

describe("every dual in src is covered", () => {
  it("the cases, the pure combinators and the exclusions are exactly the duals of src/*.ts", () => {
    const inSources = dualsInSources()
    expect(inSources.length).toBe(49)
    expect(new Set(inSources).size).toBe(inSources.length)
    const listed = [...cases.map((c) => c.name), ...pure, ...pureConfig, ...excluded]
    expect(new Set(listed).size).toBe(listed.length)
    expect([...listed].sort()).toEqual([...inSources].sort())
  })
})

// ------------------------------------------------------------------ checks

const totalCalls = () => Object.values(Double.counters().calls).reduce((a, b) => a + b, 0)

const label = (u: unknown): string => {
  if (u === filter) return "a SandboxFilter"
  if (u === foreignError) return "an InvalidArgument"
  if (typeof u === "function") return "a function"
  try {
    return JSON.stringify(u) ?? String(u)
  } catch {
    return Object.prototype.toString.call(u)
  }
}

/** Builds with `build`, runs, and checks the one failure: InvalidArgument naming the operation and `self`. */
const refusedSelf = (c: Case, self: unknown, build: (self: unknown) => unknown) =>
  Effect.gen(function*() {
    const where = `${c.name}(${label(self)})`
    let built: unknown
    try {
      built = build(self)
    } catch (e) {
      throw new Error(`${where}: building threw ${String(e)}`)
    }
    const isKind = c.kind === "effect"
      ? Effect.isEffect(built)
      : Predicate.hasProperty(built, Stream.StreamTypeId)
    expect({ where, isKind }).toEqual({ where, isKind: true })
    const before = totalCalls()
    const effect = c.kind === "effect"
      ? built as Effect.Effect<unknown, unknown, never>
      : Stream.runDrain(built as Stream.Stream<unknown, unknown, never>)
    const exit = yield* Effect.exit(Effect.scoped(effect))
    expect({ where, calls: totalCalls() - before }).toEqual({ where, calls: 0 })
    if (Exit.isSuccess(exit)) throw new Error(`${where}: succeeded`)
    expect({ where, defects: [...Cause.defects(exit.cause)].map(String) }).toEqual({ where, defects: [] })
    const failures = [...Cause.failures(exit.cause)]
    expect({ where, failures: failures.length }).toEqual({ where, failures: 1 })
    const error = failures[0] as { _tag: string; operation?: string; argument?: string; field?: string }
    const named = c.refusedAs === "InvalidConfig" ? error.field : error.argument
    expect({
      where,
      tag: error._tag,
      operation: error.operation,
      // `images[0]`: the first of the images (a lone value is a list of one).
      named: named === c.argument || named?.startsWith(`${c.argument}[`)
    }).toEqual({
      where,
      tag: c.refusedAs ?? "InvalidArgument",
      operation: c.name,
      named: true
    })
  })

/** Whether a one-argument call `f(u)` is the data-last form with options (`undefined` or a plain object). */
const couldBeOptions = (u: unknown) =>
  u === undefined ||
  (typeof u === "object" && u !== null && [Object.prototype, null].includes(Object.getPrototypeOf(u)))

layer(Double.layer(), { excludeTestServices: true })("a bad self", (it) => {
  for (const c of cases) {
    it.effect(`${c.name}: data-first with a bad self fails with InvalidArgument, no native call`, () =>
      Effect.gen(function*() {
        for (const self of badSelves.filter((u) => !(c.accepts?.(u) ?? false))) {
          yield* refusedSelf(c, self, c.call)
          if (c.one !== undefined && !couldBeOptions(self)) yield* refusedSelf(c, self, c.one)
        }
      }))
  }

  it.effect.prop(
    "any value that is not of the kind a function operates on is refused as such",
    { self: fc.anything({ withBoxedValues: true, withNullPrototype: true, withMap: true, withSet: true }) },
    ({ self }) =>
      Effect.forEach(
        cases.filter((c) => !(c.accepts?.(self) ?? false)),
        (c) => refusedSelf(c, self, c.call),
        {
          discard: true
        }
      ),
    { fastCheck: { seed, numRuns: 30 } }
  )

  it.effect("a bad value passed on by a combinator is refused where it is used (Sandbox.listWith)", () =>
    Effect.gen(function*() {
      const before = totalCalls()
      const error = yield* Effect.flip(
        Sandbox.listWith(SandboxFilter.limit(fl(null), 5))
      )
      expect(totalCalls()).toBe(before)
      expect({ tag: error._tag, argument: (error as Errors.InvalidArgument).argument }).toEqual({
        tag: "InvalidArgument",
        argument: "filter"
      })
    }))
})

/**
 * The single-argument accessors (`Sandbox.ping(self)`…): not duals, same rule. Every
 * `export const X = (self: …)` / `export const X: (self: …) =>` of the three modules is
 * listed (checked below), each refusing a bad `self` like the duals.
 */
const accessorCase = (module: "Sandbox" | "SandboxHandle" | "Ssh", name: string, argument: string): Case => {
  // A JavaScript caller's view of the module: functions called with values of any kind.
  const functions =
    (module === "Sandbox" ? Sandbox : module === "SandboxHandle" ? SandboxHandle : Ssh) as unknown as Record<
      string,
      (self: unknown) => unknown
    >
  return { name: `${module}.${name}`, argument, kind: "effect", call: (s) => functions[name]!(s) }
}
const accessors: ReadonlyArray<Case> = [
  ...[
    "ownsLifecycle",
    "requestStop",
    "requestKill",
    "requestDrain",
    "waitUntilStopped",
    "detach",
    "close",
    "ping",
    "touch",
    "info",
    "attachShell",
    "metrics"
  ].map((n) => accessorCase("Sandbox", n, "sandbox")),
  ...[
    "refresh",
    "connect",
    "start",
    "startDetached",
    "requestStop",
    "requestKill",
    "requestDrain",
    "waitUntilStopped",
    "remove",
    "ping",
    "touch",
    "metrics"
  ].map((n) => accessorCase("SandboxHandle", n, "handle")),
  accessorCase("Ssh", "sftp", "client")
]

describe("every single-argument accessor is covered", () => {
  it("the accessors listed are exactly those of Sandbox, SandboxHandle and Ssh (and ownsLifecycleOrFalse)", () => {
    const src = join(import.meta.dirname, "../../src")
    const found = ["Sandbox", "SandboxHandle", "Ssh"].flatMap((module) =>
      [
        ...readFileSync(join(src, `${module}.ts`), "utf8").matchAll(
          /^export const (\w+)(?:: \(self: \w+\)| = \(self: \w+\)):? /gm
        )
      ]
        .map((m) => `${module}.${m[1]}`)
    )
    expect([...found].sort()).toEqual(
      [...accessors.map((c) => c.name), "Sandbox.ownsLifecycleOrFalse"].sort()
    )
  })
})

layer(Double.layer(), { excludeTestServices: true })("a bad self given to an accessor", (it) => {
  for (const c of accessors) {
    it.effect(`${c.name}: fails with InvalidArgument, no native call`, () =>
      Effect.forEach(badSelves, (self) => refusedSelf(c, self, c.call), { discard: true }))
  }
  it.effect("Sandbox.ownsLifecycleOrFalse: anything that is not a sandbox owns nothing", () =>
    Effect.gen(function*() {
      const before = totalCalls()
      for (const self of badSelves) expect(yield* Sandbox.ownsLifecycleOrFalse(sb(self))).toBe(false)
      expect(totalCalls()).toBe(before)
    }))
})

describe("data-last calls keep their form", () => {
  it("options-first, command-first and patch-first calls still return a function", () => {
    const dataLast: ReadonlyArray<unknown> = [
      Sandbox.stop(),
      Sandbox.stop(undefined),
      Sandbox.stop({ timeout: "1 second" }),
      Sandbox.kill({}),
      Sandbox.logs({ tail: 1 }),
      Sandbox.stream(),
      Sandbox.stream({ pageSize: 5 }),
      Sandbox.exec("ls"),
      Sandbox.exec("ls", ["-l"]),
      Sandbox.exec("ls", ["-l"], {}),
      Sandbox.shell("ls"),
      Sandbox.shell("ls", {}),
      Sandbox.spawn("ls", []),
      Sandbox.modify({ cpus: 2 }),
      Sandbox.modify({ cpus: 2 }, {}),
      SandboxHandle.stop({}),
      SandboxHandle.modify({ cpus: 2 }, {}),
      Ssh.openClient({ user: "root" }),
      Ssh.exec("id"),
      Ssh.exec("id", {}),
      Volume.read("x"),
      Image.remove(),
      Image.remove({ force: true }),
      Snapshot.remove({ force: true }),
      SandboxConfig.apply(SandboxConfig.image("alpine")),
      // Ambiguous, so kept data-last (the returned function refuses its arguments when applied):
      Sandbox.stop({}), // options, or a plain object as the sandbox
      Sandbox.exec("x", "ls" as never), // a string sandbox, or a string where the args array goes
      Sandbox.exec(null as never), // a command that is not a string (a data-first call needs one)
      Sandbox.modify({}, { cpus: 2 } as never) // a patch and options, or a plain object and a patch
    ]
    expect(dataLast.map((f) => typeof f)).toEqual(dataLast.map(() => "function"))
  })
})

describe("pure combinators with a bad self", () => {
  it("SandboxFilter's combinators never throw: a value that is not a filter comes back as it is", () => {
    for (const self of badSelves.filter((u) => u !== filter)) {
      const results = [
        SandboxFilter.label(fl(self), "k", "v"),
        SandboxFilter.labels(fl(self), { k: "v" }),
        SandboxFilter.limit(fl(self), 5),
        SandboxFilter.cursor(fl(self), "c")
      ]
      expect(results.every((r) => r === self)).toBe(true)
    }
  })

  it("SandboxConfig.apply with a bad self and options is data-first: a configuration that validation refuses", () => {
    for (const self of [null, undefined, 42, "x"]) {
      const config = SandboxConfig.apply(self as SandboxConfig.SandboxConfig, SandboxConfig.image("alpine"))
      expect({ self: label(self), type: typeof config }).toEqual({ self: label(self), type: "object" })
      const validated = SandboxConfig.validate("dual-self", config)
      expect({ self: label(self), left: Either.isLeft(validated) }).toEqual({ self: label(self), left: true })
    }
  })
})
