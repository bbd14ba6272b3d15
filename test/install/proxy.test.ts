// The installer without a Go toolchain: the GOPROXY protocol against a loopback proxy,
// the zip verified against a loopback checksum database that signs with a test key.
import { afterEach, describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { inFlightWaiters } from "../../src/internal/install/inflight.js"
import * as Installer from "../../src/node/Installer.js"
import type { Progress } from "../../src/node/Installer.js"
import {
  buildModule,
  type Loopback,
  makeNoteKey,
  startProxy,
  startSumDb,
  type SumDbOptions
} from "./fixtures.js"
import { freshHome, installedPath, libTree, platformLayer, withEnv } from "./support.js"

const module = buildModule()
const key = makeNoteKey("sum.test")
const servers: Array<Loopback> = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

const setup = async (sumdb: SumDbOptions = {}) => {
  const proxy = await startProxy(module)
  const db = await startSumDb(module, key, sumdb)
  servers.push(proxy, db)
  const { home, emptyPath } = freshHome()
  const env = {
    MSB_HOME: home,
    PATH: emptyPath,
    GOPROXY: proxy.url,
    GOSUMDB: `${key.vkey} ${db.url}`
  }
  return { proxy, db, home, env }
}

const run = (env: Record<string, string>, options: Installer.Options = {}) =>
  Installer.ensureInstalled(options).pipe(withEnv(env), Effect.provide(platformLayer))

const failure = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const e = exit.cause._tag === "Fail" ? exit.cause.error : undefined
  if (e === undefined) throw new Error(`unexpected cause: ${String(exit.cause)}`)
  return e
}

describe("Installer over GOPROXY + GOSUMDB", () => {
  it.live("downloads, verifies and installs the library; the second call is a no-op", () =>
    Effect.gen(function*() {
      const { proxy, db, home, env } = yield* Effect.promise(() => setup())
      const progress: Array<Progress> = []
      const first = yield* run(env, { onProgress: (p) => Effect.sync(() => void progress.push(p)) })
      expect(first.libraryPath).toBe(installedPath(home))
      expect(first.provenance).toEqual({
        _tag: "Proxy",
        url: `${proxy.url}/github.com/superradcompany/microsandbox/sdk/go/@v/v0.6.14.zip`,
        sum: module.zipHash,
        verified: true
      })
      expect(readFileSync(installedPath(home)).equals(module.library)).toBe(true)
      expect(statSync(installedPath(home)).mode & 0o777).toBe(0o755)
      expect(libTree(home)).toEqual(["v0.6.14", "v0.6.14/libmicrosandbox_go_ffi.so"])
      // progress: starts at 0, ends at the whole zip, with the announced total
      expect(progress[0]?.receivedBytes).toBe(0)
      expect(progress.at(-1)?.receivedBytes).toBe(module.zip.length)
      expect(progress.every((p) => Option.getOrUndefined(p.totalBytes) === module.zip.length)).toBe(true)
      // the inclusion proof read tiles from the database
      expect(db.requests.some((r) => r.startsWith("/tile/8/0/000"))).toBe(true)

      const requestsBefore = proxy.requests.length + db.requests.length
      const second = yield* run(env)
      expect(second.provenance).toEqual({ _tag: "Found", source: "install" })
      expect(proxy.requests.length + db.requests.length).toBe(requestsBefore)
      expect(yield* Installer.isInstalled().pipe(withEnv(env), Effect.provide(platformLayer))).toBe(true)
    }))

  it.live("follows a proxy's redirect to its storage", () =>
    Effect.gen(function*() {
      const { proxy, home, env } = yield* Effect.promise(() => setup())
      proxy.behaviour.current = { kind: "redirect" }
      yield* run(env)
      expect(proxy.requests).toContain("/storage/module.zip")
      expect(readFileSync(installedPath(home)).equals(module.library)).toBe(true)
    }))

  it.live("verifies a record deep in a larger tree (tiles on two levels, partial and full)", () =>
    Effect.gen(function*() {
      const { db, home, env } = yield* Effect.promise(() => setup({ before: 700, after: 90 }))
      const result = yield* run(env)
      expect(result.libraryPath).toBe(installedPath(home))
      expect(db.requests).toContain("/tile/8/1/000.p/3")
      expect(db.requests.some((r) => /^\/tile\/8\/0\/00[0-3](\.p\/\d+)?$/.test(r))).toBe(true)
    }))

  it.live("refuses a zip whose hash differs from the database's record (ChecksumMismatch, nothing installed)", () =>
    Effect.gen(function*() {
      const other = buildModule({ libraryBytes: 1000 })
      const { home, env } = yield* Effect.promise(() => setup({ zipHash: other.zipHash }))
      const error = failure(yield* Effect.exit(run(env)))
      expect(error._tag).toBe("ChecksumMismatch")
      if (error._tag !== "ChecksumMismatch") return
      expect(error.expected).toBe(other.zipHash)
      expect(error.actual).toBe(module.zipHash)
      expect(libTree(home)).toEqual(["v0.6.14"])
    }))

  it.live("refuses a tree head whose signature does not verify", () =>
    Effect.gen(function*() {
      const { home, env } = yield* Effect.promise(() => setup({ corruptSignature: true }))
      const error = failure(yield* Effect.exit(run(env)))
      expect(error._tag === "VerificationFailed" && error.reason).toBe("BadSignature")
      expect(libTree(home)).toEqual(["v0.6.14"])
    }))

  it.live("refuses a tree head signed by another key under the same name", () =>
    Effect.gen(function*() {
      const { env } = yield* Effect.promise(() => setup({ signWith: makeNoteKey("sum.test") }))
      const error = failure(yield* Effect.exit(run(env)))
      expect(error._tag === "VerificationFailed" && error.reason).toBe("BadSignature")
    }))

  it.live("refuses a validly signed answer whose record is not the one in the tree", () =>
    Effect.gen(function*() {
      const { home, env } = yield* Effect.promise(() => setup({ tamperRecord: true }))
      const error = failure(yield* Effect.exit(run(env)))
      expect(error._tag === "VerificationFailed" && error.reason).toBe("NotInTree")
      expect(libTree(home)).toEqual(["v0.6.14"])
    }))

  it.live("a 404 from the checksum database is a LookupFailed", () =>
    Effect.gen(function*() {
      const { env } = yield* Effect.promise(() => setup({ lookupStatus: 404 }))
      const error = failure(yield* Effect.exit(run(env)))
      expect(error._tag === "VerificationFailed" && error.reason).toBe("LookupFailed")
      expect(error.message).toContain("404")
    }))

  it.live("a 404 from the only proxy is a ProxyFailed naming the URL", () =>
    Effect.gen(function*() {
      const { proxy, home, env } = yield* Effect.promise(() => setup())
      proxy.behaviour.current = { kind: "status", status: 404 }
      const error = failure(yield* Effect.exit(run(env)))
      expect(error._tag === "InstallFailed" && error.reason).toBe("ProxyFailed")
      expect(error.message).toContain(
        `${proxy.url}/github.com/superradcompany/microsandbox/sdk/go/@v/v0.6.14.zip: 404`
      )
      expect(libTree(home)).toEqual(["v0.6.14"])
    }))

  it.live("falls through a ',' list on 404 and a '|' list on any error, but not a ',' list on a 500", () =>
    Effect.gen(function*() {
      const { proxy, env } = yield* Effect.promise(() => setup())
      const missing = yield* Effect.promise(() =>
        startProxy(module, { current: { kind: "status", status: 404 } })
      )
      const broken = yield* Effect.promise(() =>
        startProxy(module, { current: { kind: "status", status: 500 } })
      )
      servers.push(missing, broken)

      const viaComma = yield* run({
        ...env,
        MSB_HOME: freshHome().home,
        GOPROXY: `${missing.url},${proxy.url}`
      })
      expect(viaComma.provenance._tag === "Proxy" && viaComma.provenance.url).toContain(proxy.url)

      const viaPipe = yield* run({
        ...env,
        MSB_HOME: freshHome().home,
        GOPROXY: `${broken.url}|${proxy.url}`
      })
      expect(viaPipe.provenance._tag === "Proxy" && viaPipe.provenance.url).toContain(proxy.url)

      const zipRequests = proxy.requests.filter((r) => r.endsWith(".zip")).length
      const error = failure(
        yield* Effect.exit(run({ ...env, MSB_HOME: freshHome().home, GOPROXY: `${broken.url},${proxy.url}` }))
      )
      expect(error._tag === "InstallFailed" && error.reason).toBe("ProxyFailed")
      expect(error.message).toContain("HTTP 500")
      expect(proxy.requests.filter((r) => r.endsWith(".zip")).length).toBe(zipRequests)
    }))

  it.live("GOPROXY=off disallows downloads, also when reached after a 404", () =>
    Effect.gen(function*() {
      const { env } = yield* Effect.promise(() => setup())
      const missing = yield* Effect.promise(() =>
        startProxy(module, { current: { kind: "status", status: 404 } })
      )
      servers.push(missing)
      const off = failure(yield* Effect.exit(run({ ...env, GOPROXY: "off" })))
      expect(off._tag === "InstallFailed" && off.reason).toBe("ProxyDisallowed")
      const afterMissing = failure(yield* Effect.exit(run({ ...env, GOPROXY: `${missing.url},off` })))
      expect(afterMissing._tag === "InstallFailed" && afterMissing.reason).toBe("ProxyDisallowed")
      expect(missing.requests.filter((r) => r.endsWith(".zip"))).toHaveLength(1)
      const direct = failure(yield* Effect.exit(run({ ...env, GOPROXY: "direct" })))
      expect(direct._tag === "InstallFailed" && direct.reason).toBe("DirectUnsupported")
    }))

  it.live("without a Go toolchain and without GOPROXY, says exactly what to set", () =>
    Effect.gen(function*() {
      const { home, emptyPath } = freshHome()
      const error = failure(yield* Effect.exit(run({ MSB_HOME: home, PATH: emptyPath })))
      expect(error._tag === "InstallFailed" && error.reason).toBe("NoSource")
      if (error._tag !== "InstallFailed") return
      expect(error.remedy).toContain("GOPROXY")
      expect(error.remedy).toContain("GOSUMDB")
      expect(error.remedy).toContain("MICROSANDBOX_FFI_PATH")
    }))

  it.live("without GOSUMDB, installs only when unverified installs are allowed in so many words", () =>
    Effect.gen(function*() {
      const { home, env } = yield* Effect.promise(() => setup())
      const { GOSUMDB: _, ...noSumDb } = env
      const refused = failure(yield* Effect.exit(run(noSumDb)))
      expect(refused._tag === "VerificationFailed" && refused.reason).toBe("NoChecksumDatabase")
      expect(libTree(home)).toEqual(["v0.6.14"])
      const off = failure(yield* Effect.exit(run({ ...env, GOSUMDB: "off" })))
      expect(off._tag === "VerificationFailed" && off.reason).toBe("NoChecksumDatabase")
      const excluded = failure(yield* Effect.exit(run({ ...env, GONOSUMDB: "github.com/superradcompany" })))
      expect(excluded._tag === "VerificationFailed" && excluded.reason).toBe("NoChecksumDatabase")

      const allowed = yield* run(noSumDb, { allowUnverified: true })
      expect(allowed.provenance).toMatchObject({ _tag: "Proxy", verified: false, sum: module.zipHash })
      expect(readFileSync(installedPath(home)).equals(module.library)).toBe(true)
    }))

  it.live("refuses a GOSUMDB without a key, or with a key whose hash does not match", () =>
    Effect.gen(function*() {
      const { env, db } = yield* Effect.promise(() => setup())
      const bare = failure(yield* Effect.exit(run({ ...env, GOSUMDB: `sum.test ${db.url}` })))
      expect(bare._tag === "VerificationFailed" && bare.reason).toBe("BadVerifierKey")
      const wrongHash = failure(
        yield* Effect.exit(
          run({ ...env, GOSUMDB: `${key.vkey.replace(/\+[0-9a-f]{8}\+/, "+00000000+")} ${db.url}` })
        )
      )
      expect(wrongHash._tag === "VerificationFailed" && wrongHash.reason).toBe("BadVerifierKey")
    }))

  it.live("a module whose library is an empty placeholder is NotInModule", () =>
    Effect.gen(function*() {
      const empty = buildModule({ emptyLibrary: true })
      const proxy = yield* Effect.promise(() => startProxy(empty))
      const db = yield* Effect.promise(() => startSumDb(empty, key))
      servers.push(proxy, db)
      const { home, emptyPath } = freshHome()
      const error = failure(
        yield* Effect.exit(
          run({ MSB_HOME: home, PATH: emptyPath, GOPROXY: proxy.url, GOSUMDB: `${key.vkey} ${db.url}` })
        )
      )
      expect(error._tag === "InstallFailed" && error.reason).toBe("NotInModule")
      expect(libTree(home)).toEqual(["v0.6.14"])
    }))

  it.live("an interrupted download leaves no partial file, and a retry succeeds", () =>
    Effect.gen(function*() {
      const { proxy, home, env } = yield* Effect.promise(() => setup())
      proxy.behaviour.current = { kind: "stall", afterBytes: 100_000 }
      const started = yield* Deferred.make<void>()
      const fiber = yield* Effect.fork(run(env, {
        onProgress: (p) => (p.receivedBytes > 0 ? Deferred.succeed(started, undefined) : Effect.void)
      }))
      yield* Deferred.await(started)
      expect(libTree(home).some((p) => p.includes(".install-"))).toBe(true)
      yield* Fiber.interrupt(fiber)
      expect(libTree(home)).toEqual(["v0.6.14"])

      proxy.behaviour.current = { kind: "serve" }
      const retried = yield* run(env)
      expect(retried.libraryPath).toBe(installedPath(home))
      expect(readFileSync(installedPath(home)).equals(module.library)).toBe(true)
      expect(libTree(home)).toEqual(["v0.6.14", "v0.6.14/libmicrosandbox_go_ffi.so"])
    }))

  it.live("concurrent ensureInstalled calls share one download", () =>
    Effect.gen(function*() {
      const { proxy, db, home, env } = yield* Effect.promise(() => setup())
      const results = yield* Effect.all(Array.from({ length: 6 }, () => run(env)), {
        concurrency: "unbounded"
      })
      expect(new Set(results.map((r) => r.libraryPath))).toEqual(new Set([installedPath(home)]))
      expect(proxy.requests.filter((r) => r.endsWith(".zip"))).toHaveLength(1)
      expect(db.requests.filter((r) => r.startsWith("/lookup/"))).toHaveLength(1)
      expect(results.filter((r) => r.provenance._tag === "Proxy")).toHaveLength(6)
    }))

  it.live("when one of two concurrent callers is interrupted, the other still gets the install", () =>
    Effect.gen(function*() {
      const { proxy, home, env } = yield* Effect.promise(() => setup())
      let release = () => {}
      proxy.behaviour.current = {
        kind: "stall",
        afterBytes: 50_000,
        release: new Promise<void>((resolve) => (release = resolve))
      }
      const started = yield* Deferred.make<void>()
      // Both callers share the platform services (the shared install runs with the first caller's).
      const first = yield* Effect.fork(
        Installer.ensureInstalled({
          onProgress: (p) => (p.receivedBytes > 0 ? Deferred.succeed(started, undefined) : Effect.void)
        }).pipe(withEnv(env))
      )
      yield* Deferred.await(started)
      const second = yield* Effect.fork(Installer.ensureInstalled().pipe(withEnv(env)))
      // `second` joins the running install before `first` goes away
      while (inFlightWaiters() < 2) yield* Effect.yieldNow()
      yield* Fiber.interrupt(first)
      expect(libTree(home).some((p) => p.includes(".install-"))).toBe(true)
      release()
      const result = yield* Fiber.join(second)
      expect(result.provenance._tag).toBe("Proxy")
      expect(proxy.requests.filter((r) => r.endsWith(".zip"))).toHaveLength(1)
      expect(libTree(home)).toEqual(["v0.6.14", "v0.6.14/libmicrosandbox_go_ffi.so"])
    }).pipe(Effect.provide(platformLayer)))

  it.live("skipDownload: fails when nothing is installed, succeeds when the library is there", () =>
    Effect.gen(function*() {
      const { proxy, home, env } = yield* Effect.promise(() => setup())
      const error = failure(yield* Effect.exit(run(env, { skipDownload: true })))
      expect(error._tag === "InstallFailed" && error.reason).toBe("SkipDownload")
      expect(proxy.requests).toHaveLength(0)
      mkdirSync(join(home, "lib", "v0.6.14"), { recursive: true })
      writeFileSync(installedPath(home), "library bytes")
      const found = yield* run(env, { skipDownload: true })
      expect(found.provenance).toEqual({ _tag: "Found", source: "install" })
    }))
})
