// The effect-microsandbox command, run as a user would (through tsx), against the
// loopback proxy and checksum database.
import { afterEach, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { runCliOnTerminal, runCliProcess as runCli } from "../support/cli.js"
import { buildModule, type Loopback, makeNoteKey, startProxy, startSumDb } from "./fixtures.js"
import { freshHome, installedPath } from "./support.js"

const servers: Array<Loopback> = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

describe("effect-microsandbox CLI", () => {
  it.live("install: downloads with progress, verifies, installs; a second run finds it", () =>
    Effect.gen(function*() {
      const module = buildModule({ libraryBytes: 2 * 1024 * 1024 })
      const key = makeNoteKey("sum.test")
      const proxy = yield* Effect.promise(() => startProxy(module))
      const db = yield* Effect.promise(() => startSumDb(module, key))
      servers.push(proxy, db)
      const { home, emptyPath } = freshHome()
      const env = {
        PATH: `${emptyPath}:${join(process.execPath, "..")}`,
        HOME: home,
        MSB_HOME: home,
        GOPROXY: proxy.url,
        GOSUMDB: `${key.vkey} ${db.url}`
      }
      const first = yield* runCli(["install"], env)
      expect(first.code).toBe(0)
      expect(first.stdout).toContain(`runtime library: ${installedPath(home)} — installed from ${proxy.url}`)
      expect(first.stdout).toContain(", verified")
      expect(first.stderr).toMatch(/downloading .*\(100%\)/)
      expect(readFileSync(installedPath(home)).equals(module.library)).toBe(true)
      const second = yield* runCli(["install", "--skip-download"], env)
      expect(second.code).toBe(0)
      expect(second.stdout).toContain("already there (install)")

      // on a terminal: one progress bar redrawn in place instead of the 5% lines
      const other = freshHome()
      const onTerminal = yield* runCliOnTerminal(["install"], {
        ...env,
        HOME: other.home,
        MSB_HOME: other.home
      })
      if (onTerminal === undefined) {
        console.warn("`script` is not installed: the terminal progress bar is not exercised")
        return
      }
      expect(onTerminal.code).toBe(0)
      expect(onTerminal.stdout).toContain("\r[##############################] 100% 2.0/2.0 MiB")
      expect(onTerminal.stdout).not.toMatch(/downloading .*\(\d+%\)/)
      expect(onTerminal.stdout).toContain(
        `runtime library: ${installedPath(other.home)} — installed from ${proxy.url}`
      )
    }))

  it.live("install without any source exits 1 with the remedy; invalid arguments exit 2 and install nothing", () =>
    Effect.gen(function*() {
      const { home, emptyPath } = freshHome()
      const env = { PATH: `${emptyPath}:${join(process.execPath, "..")}`, HOME: home, MSB_HOME: home }
      const none = yield* runCli(["install"], env)
      expect(none.code).toBe(1)
      expect(none.stderr).toContain("InstallFailed")
      expect(none.stderr).toContain("GOPROXY")
      const bogus = yield* runCli(["install", "--bogus"], env)
      expect(bogus.code).toBe(2)
      expect(bogus.stderr).toContain("--bogus")
      // the old parser took `--skip-download` as the library path here
      const swallowed = yield* runCli(["install", "--library", "--skip-download"], env)
      expect(swallowed.code).toBe(2)
      expect(swallowed.stderr).toContain("--library expects a path, got the option '--skip-download'")
      expect(swallowed.stderr).not.toContain("InstallFailed")
    }))

  it.live("doctor prints every check and exits non-zero exactly when one failed", () =>
    Effect.gen(function*() {
      const { home } = freshHome()
      const out = yield* runCli(["doctor"], { PATH: process.env.PATH ?? "", HOME: home, MSB_HOME: home })
      expect(out.stdout).toMatch(/^(ok  |FAIL) platform /m)
      expect(out.stdout).toMatch(/^(ok  |FAIL) library /m)
      const failedChecks = out.stdout.split("\n").filter((l) => l.startsWith("FAIL")).length
      expect(out.code).toBe(failedChecks > 0 ? 1 : 0)
      // nothing is installed in this fresh MSB_HOME, so the library check fails here
      expect(out.stdout).toMatch(/^FAIL library /m)
    }))
})
