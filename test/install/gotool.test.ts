// The installer with a Go toolchain: a fake `go` first on PATH prints what
// `go mod download -json` prints, pointing at a module folder and zip the test built.
// Where a real `go` is on PATH, it is run against the loopback servers too: the Go
// tool itself then vouches that they speak the proxy and checksum-database protocols.
import { afterEach, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { execFile } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { delimiter, dirname, join } from "node:path"
import { promisify } from "node:util"
import * as Installer from "../../src/node/Installer.js"
import {
  buildModule,
  type Loopback,
  makeNoteKey,
  MODULE,
  startProxy,
  startSumDb,
  VERSION
} from "./fixtures.js"
import { freshHome, installedPath, libTree, platformLayer, withEnv } from "./support.js"

const module = buildModule()

/** A module cache like the Go tool's: the extracted folder and the zip. */
const moduleCache = (root: string) => {
  const dir = join(root, "cache", `${MODULE}@${VERSION}`)
  for (const [name, data] of module.files) {
    const path = join(root, "cache", name)
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, data)
  }
  const zip = join(root, "cache", "download", "v0.6.14.zip")
  mkdirSync(dirname(zip), { recursive: true })
  writeFileSync(zip, module.zip)
  return { dir, zip }
}

/** A `go` executable that records its arguments and folder, prints `output`, exits with `code`. */
const fakeGo = (root: string, output: unknown, code = 0) => {
  const bin = join(root, "fake-bin")
  mkdirSync(bin, { recursive: true })
  const script = join(bin, "go")
  writeFileSync(
    script,
    `#!/bin/sh\nprintf '%s\\n' "$*" > "${root}/go-args"\npwd > "${root}/go-cwd"\n/bin/cat <<'JSON'\n${
      JSON.stringify(output, null, 2)
    }\nJSON\nexit ${code}\n`
  )
  chmodSync(script, 0o755)
  return bin
}

const run = (env: Record<string, string>) =>
  Installer.ensureInstalled().pipe(withEnv(env), Effect.provide(platformLayer), Effect.exit)

const errorOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit) || exit.cause._tag !== "Fail") {
    throw new Error(`expected a failure, got ${String(exit)}`)
  }
  return exit.cause.error
}

describe("Installer with a Go toolchain", () => {
  it.live("takes the library from the module that `go mod download` fetched and verified", () =>
    Effect.gen(function*() {
      const { home } = freshHome()
      const cache = moduleCache(home)
      const bin = fakeGo(home, {
        Path: MODULE,
        Version: VERSION,
        Dir: cache.dir,
        Zip: cache.zip,
        Sum: module.zipHash,
        GoModSum: module.goModHash
      })
      // GOPROXY is not consulted when the toolchain is there
      const exit = yield* run({ MSB_HOME: home, PATH: bin, GOPROXY: "off" })
      expect(Exit.isSuccess(exit)).toBe(true)
      if (Exit.isFailure(exit)) return
      expect(exit.value.provenance._tag).toBe("GoToolchain")
      expect(readFileSync(installedPath(home)).equals(module.library)).toBe(true)
      expect(readFileSync(join(home, "go-args"), "utf8").trim()).toBe(
        `mod download -json ${MODULE}@${VERSION}`
      )
      // it ran in a scratch folder that is gone now
      const cwd = readFileSync(join(home, "go-cwd"), "utf8").trim()
      expect(cwd).toContain(join(home, "lib", "v0.6.14", ".install-"))
      expect(existsSync(cwd)).toBe(false)
      expect(libTree(home)).toEqual(["v0.6.14", "v0.6.14/libmicrosandbox_go_ffi.so"])
    }))

  it.live("copies from the module folder when the Go tool reports no zip", () =>
    Effect.gen(function*() {
      const { home } = freshHome()
      const cache = moduleCache(home)
      const bin = fakeGo(home, { Path: MODULE, Version: VERSION, Dir: cache.dir })
      const exit = yield* run({ MSB_HOME: home, PATH: bin })
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(readFileSync(installedPath(home)).equals(module.library)).toBe(true)
    }))

  it.live("a zip that does not match the Go tool's checksum is refused", () =>
    Effect.gen(function*() {
      const { home } = freshHome()
      const cache = moduleCache(home)
      const bin = fakeGo(home, {
        Path: MODULE,
        Version: VERSION,
        Dir: cache.dir,
        Zip: cache.zip,
        Sum: "h1:bogus="
      })
      const error = errorOf(yield* run({ MSB_HOME: home, PATH: bin }))
      expect(error._tag).toBe("ChecksumMismatch")
      expect(libTree(home)).toEqual(["v0.6.14"])
    }))

  it.live("the Go tool's own error is reported (GoToolFailed)", () =>
    Effect.gen(function*() {
      const { home } = freshHome()
      const message = `${MODULE}@${VERSION}: verifying module: checksum mismatch`
      const bin = fakeGo(home, { Path: MODULE, Version: VERSION, Error: message }, 1)
      const error = errorOf(yield* run({ MSB_HOME: home, PATH: bin }))
      expect(error._tag === "InstallFailed" && error.reason).toBe("GoToolFailed")
      expect(error.message).toContain(message)
      expect(libTree(home)).toEqual(["v0.6.14"])
    }))
})

// ---------------------------------------------------------------- the real Go tool, where there is one

const realGo = (process.env.PATH ?? "").split(delimiter).map((d) => join(d, "go")).find((p) => existsSync(p))
if (realGo === undefined) console.log("real Go toolchain cross-check SKIPPED: no `go` on PATH")
const servers: Array<Loopback> = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

describe.skipIf(realGo === undefined)(
  `the real Go toolchain against the loopback proxy and checksum database${
    realGo === undefined ? " (skipped: no `go` on PATH)" : ""
  }`,
  () => {
    it.live("`go mod download` accepts them, and so does the installer through the toolchain", () =>
      Effect.gen(function*() {
        const key = makeNoteKey("sum.test")
        const proxy = yield* Effect.promise(() => startProxy(module))
        const db = yield* Effect.promise(() => startSumDb(module, key, { before: 300, after: 20 }))
        servers.push(proxy, db)
        const { home } = freshHome()
        const goEnv = {
          ...process.env,
          HOME: home,
          GOPATH: join(home, "gopath"),
          GOMODCACHE: join(home, "modcache"),
          GOCACHE: join(home, "gocache"),
          GOFLAGS: "-modcacherw",
          GOPROXY: proxy.url,
          GOSUMDB: `${key.vkey} ${db.url}`,
          GONOSUMDB: "",
          GONOPROXY: "",
          GOPRIVATE: "",
          GOTOOLCHAIN: "local"
        }
        const scratch = join(home, "scratch")
        mkdirSync(scratch)
        // asynchronously: the servers answer from this process
        const { stdout } = yield* Effect.promise(() =>
          promisify(execFile)(realGo!, ["mod", "download", "-json", `${MODULE}@${VERSION}`], {
            cwd: scratch,
            env: goEnv,
            encoding: "utf8"
          })
        )
        const out = JSON.parse(stdout) as { Sum: string; Dir: string }
        expect(out.Sum).toBe(module.zipHash)
        // the Go tool checked the checksum database, inclusion proof included
        expect(db.requests).toContain(`/lookup/${MODULE}@${VERSION}`)
        expect(db.requests.some((r) => r.startsWith("/tile/8/"))).toBe(true)

        // through the toolchain (its module cache is warm now; it still verifies)
        Object.assign(process.env, goEnv)
        const exit = yield* run({ MSB_HOME: home, PATH: process.env.PATH ?? "" })
        expect(Exit.isSuccess(exit) && exit.value.provenance._tag).toBe("GoToolchain")
        expect(readFileSync(installedPath(home)).equals(module.library)).toBe(true)
      }))
  }
)
