// Issue 10, "Property tests", for the Volume, Image, Snapshot, Ssh, SandboxPool and
// Modification operations: fed arbitrary and hostile values (NUL bytes, lone
// surrogates, very long strings, whitespace in image references, path traversal in
// volume paths, numbers out of range, non-finite or negative, wrong JavaScript types),
// every call returns an Effect that succeeds or fails with an error of the union its
// signature declares: it never throws and never dies. Bad input is an `InvalidArgument`
// naming the argument (`InvalidConfig` naming the field for configuration), and the
// double's call counters prove that no native call was made with it.
//
// The seed is printed; replay a run with FC_SEED=<seed>.
import { afterAll, describe, expect, layer } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as fc from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Image from "../../src/Image.js"
import type { Microsandbox } from "../../src/Microsandbox.js"
import * as Errors from "../../src/MicrosandboxError.js"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as SandboxPool from "../../src/SandboxPool.js"
import * as Snapshot from "../../src/Snapshot.js"
import type * as Ssh from "../../src/Ssh.js"
import * as Volume from "../../src/Volume.js"
import * as Double from "../support/double.js"

const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 0x7fffffff))
// Printed so that a failing run can be replayed exactly.
console.log(
  `[module properties] fast-check seed ${seed} (replay: FC_SEED=${seed} npx vitest run test/hardening/moduleProperties.test.ts)`
)
const runs = (numRuns: number) => ({ fastCheck: { seed, numRuns } })

const dir = mkdtempSync(join(tmpdir(), "msb-module-props-"))
afterAll(() => {
  expect(Double.outstanding()).toEqual(Double.nothingOutstanding)
  rmSync(dir, { recursive: true, force: true })
})

// ------------------------------------------------------------------ arbitraries

/** A string with at least one NUL byte or lone surrogate in it. */
const badString = fc.tuple(fc.string(), fc.constantFrom("\0", "\uD800", "\uDC00", "\uDBFF"), fc.string()).map(
  ([a, b, c]) => a + b + c
)
const hostileString = fc.oneof(
  fc.string(),
  fc.fullUnicodeString(),
  badString,
  fc.tuple(fc.string(), fc.constantFrom("\n", " ", "\t", "\r\n", "../", "/", "\\"), fc.string()).map(
    ([a, b, c]) => a + b + c
  ),
  fc.string({ minLength: 300, maxLength: 600 }),
  fc.constant("x".repeat(5000))
)
const hostileNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, 1e308, -5000, -1, -0, 0, 0.5, 2 ** 32, 2 ** 53, 2 ** 64)
)
/** Anything that is not a string, as a JavaScript caller might pass one. */
const nonString: fc.Arbitrary<unknown> = fc.oneof(
  hostileNumber,
  fc.bigInt(),
  fc.constantFrom(undefined, null, true, false, Symbol("s"), () => 1, [] as Array<unknown>, {}),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 })
)
/** Anything at all. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 3, arbitrary: nonString },
  { weight: 1, arbitrary: fc.anything() }
)
/** A bad value for a string argument: one C cannot carry, or not a string at all. */
const badText: fc.Arbitrary<unknown> = fc.oneof(badString, nonString, fc.constant(""))

const hasLoneSurrogate = (s: string) =>
  /[\uD800-\uDFFF]/.test(s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ""))

/** Whether a value cannot cross into C as a string argument (or is empty). */
const isBadText = (u: unknown): boolean =>
  typeof u !== "string" || u.length === 0 || u.includes("\0") || hasLoneSurrogate(u)

const totalCalls = () => Object.values(Double.counters().calls).reduce((a, b) => a + b, 0)

/** A failure of `exit`: none (success), or the one typed error; a defect or an interruption fails the test. */
const outcome = (exit: Exit.Exit<unknown, unknown>, input: unknown): unknown => {
  if (Exit.isSuccess(exit)) return undefined
  expect({ input, defects: [...Cause.defects(exit.cause)].map(String) }).toEqual({ input, defects: [] })
  expect(Cause.isInterruptedOnly(exit.cause)).toBe(false)
  const failures = [...Cause.failures(exit.cause)]
  expect(failures.length).toBe(1)
  return failures[0]
}

/** The outcome is inside `union` (a failure outside it fails the test). */
const inUnion = (union: Schema.Schema.Any, error: unknown, input: unknown) => {
  if (error === undefined) return
  expect({ input, tag: (error as { _tag?: unknown })._tag, inUnion: Schema.is(union)(error) }).toMatchObject({
    inUnion: true
  })
  expect(Errors.isMicrosandboxError(error)).toBe(true)
}

/** A failure of bad input: `tag`, naming one of `names` (argument or field; any, when `names` is empty). */
const refused = (error: unknown, tag: string, names: ReadonlyArray<string>, input: unknown) => {
  const e = error as { _tag?: string; argument?: string; field?: string } | undefined
  expect({ input, tag: e?._tag }).toEqual({ input, tag })
  const named = tag === "InvalidConfig" ? e?.field : e?.argument
  expect({
    input,
    named: names.length === 0
      ? typeof named === "string" && named.length > 0
      : names.some((n) => named === n || named?.startsWith(`${n}[`) || named?.startsWith(`${n}.`))
  })
    .toEqual({ input, named: true })
}

/** Runs `effect` (scoped) and returns its failure and whether a native call was made. */
const run = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const before = totalCalls()
    const exit = yield* Effect.exit(Effect.scoped(effect))
    return { exit, called: totalCalls() !== before }
  })

/** A call of a public operation with a hostile value: building the Effect must not throw either. */
const build = <A>(f: () => A): A => {
  try {
    return f()
  } catch (e) {
    throw new Error(`building the Effect threw: ${String(e)}`)
  }
}

class Box extends Context.Tag("test/ModulePropsBox")<Box, Sandbox.Sandbox>() {}
const BoxLive = Sandbox.layer(
  Box,
  "mprop-box",
  SandboxConfig.image("alpine"),
  SandboxConfig.shell("/bin/sh")
)
class Vol extends Context.Tag("test/ModulePropsVolume")<Vol, Volume.Volume>() {}
const VolLive = Volume.layer(Vol, "mprop-vol")
class Client extends Context.Tag("test/ModulePropsClient")<Client, Ssh.SshClient>() {}
const ClientLive = Layer.scoped(
  Client,
  Effect.flatMap(Box, (sb) => sb.ssh.openClient({ user: "root", sftp: true }))
)
class Sftp extends Context.Tag("test/ModulePropsSftp")<Sftp, Ssh.Sftp>() {}
const SftpLive = Layer.scoped(Sftp, Effect.flatMap(Client, (c) => c.sftp))

const Env = Layer.provideMerge(
  Layer.provideMerge(SftpLive, ClientLive),
  Layer.provideMerge(Layer.merge(BoxLive, VolLive), Double.layer())
)

let serial = 0

describe("properties: Volume, Image, Snapshot, Ssh, SandboxPool, Modification", () => {
  layer(Env, { excludeTestServices: true })((it) => {
    it.effect.prop(
      "Volume.create / get / remove: typed; a name or options the library refuses make no native call",
      {
        op: fc.integer({ min: 0, max: 2 }),
        name: fc.oneof({ weight: 2, arbitrary: fc.constant("fresh") }, { weight: 3, arbitrary: hostile }),
        options: fc.oneof(
          fc.record({
            kind: fc.oneof(fc.constantFrom("dir", "disk"), hostile),
            quotaMib: fc.oneof(fc.integer({ min: 1, max: 64 }), hostileNumber, nonString),
            sizeMib: fc.oneof(
              fc.integer({ min: 1, max: 64 }),
              fc.constantFrom(0, -1, 0.5, NaN, 2 ** 32),
              nonString
            ),
            labels: fc.oneof(
              fc.dictionary(fc.oneof(fc.string(), badString), fc.oneof(fc.string(), badString)),
              hostile
            )
          }, { requiredKeys: [] }),
          hostile
        )
      },
      ({ name, op, options }) =>
        Effect.gen(function*() {
          const n = name === "fresh" ? `mprop-v${serial++}` : name
          const effect = build((): Effect.Effect<
            unknown,
            Volume.CreateError | Volume.RemoveError,
            Microsandbox
          > =>
            op === 0
              ? Volume.create(n as string, options as Volume.CreateOptions)
              : op === 1
              ? Volume.get(n as string)
              : Volume.remove(n as string)
          )
          const { called, exit } = yield* run(effect)
          const error = outcome(exit, { op, n, options })
          inUnion(Errors.VolumeError, error, { op, n, options })
          inUnion(
            [
              Schema.Union(Errors.CallError, Errors.InvalidConfig, Errors.VolumeAlreadyExists),
              Schema.Union(Errors.CallError, Errors.VolumeNotFound),
              Schema.Union(Errors.CallError, Errors.VolumeNotFound, Errors.InvalidConfig)
            ][op]!,
            error,
            { op, n, options }
          )
          if (isBadText(n)) {
            refused(error, op === 0 ? "InvalidConfig" : "InvalidArgument", ["name"], { op, n })
            expect(called).toBe(false)
          }
          if (op === 0 && Exit.isSuccess(exit)) yield* Volume.remove(n as string)
        }),
      runs(80)
    )

    it.effect.prop(
      "volume.fs: typed for any path and data; traversal, absolute, NUL and lone-surrogate paths make no native call and nothing lands outside the volume",
      {
        op: fc.integer({ min: 0, max: 6 }),
        path: fc.oneof(
          fc.stringMatching(/^[a-z0-9]{1,6}(\/[a-z0-9]{1,6}){0,2}$/),
          fc.constantFrom(
            "..",
            "../x",
            "a/../../x",
            "./../x",
            "/etc/passwd",
            "\\x",
            "a/..",
            "a/./b/../..",
            ".."
          ),
          fc.tuple(fc.stringMatching(/^[a-z]{0,4}$/), fc.constantFrom("/../", "/..", "../"), fc.string()).map(
            ([a, b, c]) => a + b + c
          ),
          hostile
        ),
        data: fc.oneof(fc.string(), fc.uint8Array({ maxLength: 32 }), badString, nonString)
      },
      ({ data, op, path }) =>
        Effect.gen(function*() {
          const volume = yield* Vol
          const home = process.env.MSB_HOME!
          const around = () => [readdirSync(home).sort(), readdirSync(join(home, "volumes")).sort()]
          const before = around()
          const p = path as string
          const ops: ReadonlyArray<() => Effect.Effect<unknown, Errors.VolumeFsError>> = [
            () => volume.fs.read(p),
            () => volume.fs.readString(p),
            () => volume.fs.write(p, data as string),
            () => volume.fs.mkdir(p),
            () => volume.fs.remove(p),
            () => volume.fs.removeDir(p),
            () => volume.fs.exists(p)
          ]
          const { called, exit } = yield* run(build(ops[op]!))
          const error = outcome(exit, { op, path, data })
          inUnion(Errors.VolumeFsError, error, { op, path })
          const traversal = typeof path === "string" &&
            (path.startsWith("/") || path.startsWith("\\") || path.split("/").includes(".."))
          const dataBad = typeof data === "string" ? hasLoneSurrogate(data) : !(data instanceof Uint8Array)
          if (isBadText(path) && path !== "" || traversal) {
            refused(error, "InvalidArgument", op === 2 && dataBad ? ["path", "data"] : ["path"], { op, path })
            expect(called).toBe(false)
          }
          if (op === 2 && dataBad) {
            refused(error, "InvalidArgument", ["data", "path"], { op, data })
            expect(called).toBe(false)
          }
          expect(around()).toEqual(before)
        }),
      runs(150)
    )

    it.effect.prop(
      "Image: get, inspect, remove, load, save are typed; a reference, tag or path the library refuses makes no native call",
      {
        op: fc.integer({ min: 0, max: 4 }),
        reference: fc.oneof(fc.constantFrom("nothing:1", "effect-test/none:2"), badText, hostileString),
        tags: fc.oneof(
          fc.array(
            fc.oneof(
              fc.constantFrom("app:1", "a/b:c"),
              fc.constantFrom("app 1", "app\n1", "App:1", " app"),
              badText
            ),
            { maxLength: 3 }
          ),
          nonString
        ),
        path: fc.oneof(fc.constant("archive"), badText),
        options: fc.oneof(
          fc.constant(undefined),
          fc.record({ force: fc.oneof(fc.boolean(), nonString) }),
          nonString
        ),
        format: fc.oneof(fc.constantFrom(undefined, "docker", "oci"), hostile)
      },
      ({ format, op, options, path, reference, tags }) =>
        Effect.gen(function*() {
          const p = path === "archive" ? join(dir, op === 4 ? `out-${serial++}.tar` : "missing.tar") : path
          const input = { op, reference, tags, p, options, format }
          const effect = build(() =>
            [
              () => Image.get(reference as string),
              () => Image.inspect(reference as string),
              () => Image.remove(reference as string, options as Image.RemoveOptions),
              () => Image.load(p as string, { tags: tags as ReadonlyArray<string> }),
              () =>
                Image.save(Array.isArray(tags) ? tags : [reference as string], p as string, {
                  format: format as Image.ArchiveFormat
                })
            ][op]!()
          )
          const { called, exit } = yield* run(effect)
          const error = outcome(exit, input)
          inUnion(Errors.ImageError, error, input)
          if (op < 3 && isBadText(reference)) {
            refused(error, "InvalidArgument", ["reference", "image"], input)
            expect(called).toBe(false)
          }
          // References the runtime parses (load's tags, save's images) must be references:
          // whitespace and newlines are refused before the call.
          const refs: unknown = op === 4 ? (Array.isArray(tags) ? tags : [reference]) : tags ?? []
          const badRefs = !Array.isArray(refs) || refs.some((r) => isBadText(r) || /\s/.test(r as string))
          if (op >= 3 && (isBadText(p) || badRefs)) {
            refused(error, "InvalidArgument", ["path", "tags", "images", "format"], input)
            expect(called).toBe(false)
          }
        }),
      runs(100)
    )

    it.effect.prop(
      "Snapshot: every operation is typed for any argument; a name, path or option the library refuses makes no native call",
      {
        op: fc.integer({ min: 0, max: 8 }),
        target: fc.oneof(fc.constant("safe"), badText, hostileString),
        source: fc.oneof(fc.constant("mprop-none"), fc.constant("mprop-box"), badText),
        options: fc.oneof(
          fc.record({
            name: fc.oneof(
              fc.constant("mprop-snap"),
              fc.constantFrom("a/b", ".hidden", "~x", "c:d"),
              badText
            ),
            destination: fc.oneof(fc.constant("safe"), badText),
            labels: fc.oneof(
              fc.dictionary(fc.oneof(fc.string(), badString), fc.oneof(fc.string(), badString)),
              hostile
            ),
            force: fc.oneof(fc.boolean(), nonString)
          }, { requiredKeys: [] }),
          nonString
        )
      },
      ({ op, options, source, target }) =>
        Effect.gen(function*() {
          const safe = join(dir, "no-snapshot-here")
          // A value that would pass the checks is a path where nothing can be harmed.
          const t = target === "safe" || (!isBadText(target) && op >= 4) ? safe : target as string
          const o = typeof options === "object" && options !== null && !Array.isArray(options)
            ? {
              ...options,
              ...("destination" in options && options.destination === "safe" ? { destination: dir } : {})
            }
            : options
          const input = { op, t, source, o }
          const effect = build((): Effect.Effect<unknown, Errors.SnapshotError, Microsandbox> =>
            [
              () => Snapshot.open(t),
              () => Snapshot.get(t),
              () => Snapshot.verify(t),
              () => Snapshot.listDir(t),
              () => Snapshot.reindex(t),
              () => Snapshot.remove(t, o as Snapshot.RemoveOptions),
              () => Snapshot.exportArchive(t, join(dir, "out.tar"), o as Snapshot.ExportOptions),
              () => Snapshot.importArchive(t, o as Snapshot.ImportOptions),
              () => Snapshot.create(source as string, o as Snapshot.CreateOptions)
            ][op]!()
          )
          const { called, exit } = yield* run(effect)
          const error = outcome(exit, input)
          inUnion(Errors.SnapshotError, error, input)
          if (op < 8 && isBadText(t)) {
            refused(error, "InvalidArgument", [
              "pathOrName",
              "nameOrDigest",
              "snapshot",
              "dir",
              "archive",
              "force",
              "options"
            ], input)
            expect(called).toBe(false)
          }
          if (op === 8) {
            const opts = o as Record<string, unknown>
            const bad = isBadText(source) || typeof o !== "object" || o === null || Array.isArray(o) ||
              isBadText(opts.name) || /[/\\:]/.test(opts.name as string) ||
              /^[.~]/.test(opts.name as string) ||
              (opts.destination !== undefined && isBadText(opts.destination))
            if (bad) {
              expect(Exit.isFailure(exit)).toBe(true)
              expect(["InvalidConfig", "InvalidArgument"]).toContain((error as { _tag: string })._tag)
              expect(called).toBe(false)
            }
          }
        }),
      runs(100)
    )

    it.effect.prop(
      "Ssh: openClient, exec and every SFTP operation are typed; a string or option the library refuses makes no native call",
      {
        op: fc.integer({ min: 0, max: 10 }),
        path: fc.oneof(fc.constant("safe"), badText),
        other: fc.oneof(fc.constant("safe"), badText),
        command: fc.oneof(fc.constant("echo"), badText),
        data: fc.oneof(fc.string(), fc.uint8Array({ maxLength: 16 }), badString, nonString),
        options: fc.oneof(
          fc.constant(undefined),
          fc.record({
            user: fc.oneof(fc.constant("root"), badText),
            term: fc.oneof(fc.constant("xterm"), badText),
            inactivityTimeout: fc.oneof(fc.constant("5 seconds"), hostileNumber, hostile)
          }, { requiredKeys: [] }),
          nonString
        )
      },
      ({ command, data, op, options, other, path }) =>
        Effect.gen(function*() {
          const sandbox = yield* Box
          const client = yield* Client
          const sftp = yield* Sftp
          const p = path === "safe" ? `/tmp/mprop-${serial++}` : path as string
          const q = other === "safe" ? `/tmp/mprop-${serial++}` : other as string
          // The double runs commands on the host: a command that would pass the checks is `echo`.
          const c = command === "echo" ? "echo hi" : command as string
          const input = { op, p, q, c, data, options }
          const effect = build((): Effect.Effect<unknown, Errors.SshError, Scope.Scope> =>
            [
              () => sandbox.ssh.openClient(options as Ssh.ClientOptions),
              () => client.exec(c, options as Ssh.ExecOptions),
              () => sftp.read(p),
              () => sftp.write(p, data as string),
              () => sftp.mkdir(p),
              () => sftp.removeFile(p),
              () => sftp.removeDir(p),
              () => sftp.rename(p, q),
              () => sftp.realPath(p),
              () => sftp.readLink(p),
              () => sftp.symlink(q, p)
            ][op]!()
          )
          const { called, exit } = yield* run(effect)
          const error = outcome(exit, input)
          inUnion(Errors.SshError, error, input)
          const strings = op === 1 ? [c] : op === 7 || op === 10 ? [p, q] : op >= 2 ? [p] : []
          const badOptions = op <= 1 && options !== undefined &&
            (typeof options !== "object" || options === null)
          const dataBad = op === 3 &&
            (typeof data === "string" ? hasLoneSurrogate(data) : !(data instanceof Uint8Array))
          // Empty strings are the runtime's to refuse; anything C cannot carry is ours.
          if (strings.some((v) => isBadText(v) && v !== "") || badOptions || dataBad) {
            refused(
              error,
              "InvalidArgument",
              [
                "path",
                "from",
                "to",
                "target",
                "linkPath",
                "command",
                "options",
                "data",
                "user",
                "term",
                "inactivityTimeout"
              ],
              input
            )
            expect(called).toBe(false)
          }
        }),
      runs(100)
    )

    it.effect.prop(
      "SandboxPool.make: InvalidConfig naming the option for anything it cannot use, before any native call; never throws or dies",
      {
        size: fc.oneof(fc.constant(1), hostileNumber, nonString),
        maxSize: fc.oneof(fc.constant(undefined), fc.constant(2), hostileNumber, nonString),
        timeToLive: fc.oneof(fc.constant(undefined), fc.constant("1 minute"), hostileNumber, hostile),
        namePrefix: fc.oneof(fc.constant(undefined), fc.constant("fresh"), badText, hostileString),
        config: fc.oneof(fc.constant("valid"), hostile),
        reset: fc.oneof(fc.constant(undefined), fc.constant(() => Effect.void), nonString),
        whole: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, {
          weight: 1,
          arbitrary: fc.constant(false)
        })
      },
      ({ config, maxSize, namePrefix, reset, size, timeToLive, whole }) =>
        Effect.gen(function*() {
          // A pool that could boot many sandboxes is made small: the property is about the checks.
          const small = (n: unknown) => (typeof n === "number" && Number.isSafeInteger(n) && n > 2 ? 2 : n)
          const options = whole
            ? {
              size: small(size),
              maxSize: small(maxSize),
              timeToLive,
              namePrefix: namePrefix === "fresh" ? `mprop-pool-${serial++}` : namePrefix,
              config: config === "valid" ? SandboxConfig.make(SandboxConfig.image("alpine")) : config,
              reset
            }
            : size
          const { called, exit } = yield* run(build(() => SandboxPool.make(options as SandboxPool.Options)))
          const error = outcome(exit, options)
          if (error !== undefined) {
            refused(
              error,
              "InvalidConfig",
              // A configuration from anywhere is decoded: the field named is then the member it lacks or has wrong.
              config === "valid"
                ? ["options", "size", "maxSize", "timeToLive", "namePrefix", "reset", "name"]
                : [],
              options
            )
            expect(called).toBe(false)
          }
        }),
      runs(100)
    )

    it.effect.prop(
      "Modification: sandbox.modify and handle.modify are typed for any patch and options; a refused one makes no native call",
      {
        patch: fc.oneof(
          fc.record({
            cpus: fc.oneof(fc.integer({ min: 1, max: 4 }), hostileNumber, nonString),
            memoryMib: fc.oneof(fc.integer({ min: 256, max: 1024 }), hostileNumber),
            env: fc.oneof(
              fc.dictionary(fc.stringMatching(/^[A-Z]{1,4}$/), fc.oneof(fc.string(), badString)),
              hostile
            ),
            labels: fc.oneof(fc.dictionary(fc.oneof(fc.string(), badString), fc.string()), hostile),
            workdir: fc.oneof(fc.constant("/app"), badText)
          }, { requiredKeys: [] }),
          hostile
        ),
        options: fc.oneof(
          fc.constant(undefined),
          fc.record({
            policy: fc.oneof(fc.constantFrom("no_restart", "next_start"), hostile),
            dryRun: fc.constant(true)
          }),
          nonString
        ),
        live: fc.boolean()
      },
      ({ live, options, patch }) =>
        Effect.gen(function*() {
          const sandbox = yield* Box
          const handle = yield* Sandbox.get("mprop-box")
          // Only plans: a modification that would apply runs as a dry run.
          const o = typeof options === "object" && options !== null ? { ...options, dryRun: true } : options
          const { called, exit } = yield* run(
            build(() => (live ? sandbox : handle).modify(patch as never, o as never))
          )
          const error = outcome(exit, { patch, o })
          inUnion(Errors.ModifyError, error, { patch, o })
          if (error !== undefined && (error as { _tag: string })._tag === "InvalidConfig") {
            expect(called).toBe(false)
          }
          if (o !== undefined && (typeof o !== "object" || o === null)) {
            refused(error, "InvalidConfig", ["options"], { patch, o })
            expect(called).toBe(false)
          }
        }),
      runs(80)
    )
  })
})
