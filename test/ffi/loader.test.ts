import { describe, expect, it } from "@effect/vitest"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Microsandbox from "../../src/Microsandbox.js"
import type { LibraryNotLoaded } from "../../src/MicrosandboxError.js"
import { counters, libraryPath } from "../support/double.js"

const withEnv = (env: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

const load = (options: Microsandbox.Options, env: Record<string, string>) =>
  Effect.scoped(Microsandbox.make(options)).pipe(withEnv(env))

const failure = (exit: Exit.Exit<unknown, LibraryNotLoaded>): LibraryNotLoaded => {
  if (Exit.isSuccess(exit)) throw new Error("expected the load to fail")
  const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
  if (!error) throw new Error(`unexpected cause ${String(exit.cause)}`)
  return error
}

describe("library loading", () => {
  const emptyHome = mkdtempSync(join(tmpdir(), "msb-empty-home-"))

  it.effect("fails with LibraryNotLoaded listing every source tried and why", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        load({ libraryPath: "/nonexistent/explicit.so" }, {
          MICROSANDBOX_FFI_PATH: "/nonexistent/from-env.so",
          MSB_HOME: emptyHome
        })
      )
      const error = failure(exit)
      expect(error._tag).toBe("LibraryNotLoaded")
      expect(error.attempts.map((a) => a.source)).toEqual([
        "explicit",
        "MICROSANDBOX_FFI_PATH",
        "install",
        "install"
      ])
      expect(error.attempts[0]).toEqual({
        source: "explicit",
        path: "/nonexistent/explicit.so",
        reason: "no such file"
      })
      expect(error.attempts[1]?.path).toBe("/nonexistent/from-env.so")
      expect(error.attempts[2]?.path).toBe(join(emptyHome, "lib", "v0.6.14", "libmicrosandbox_go_ffi.so"))
      expect(error.attempts[3]?.path).toBe(join(emptyHome, "lib", "libmicrosandbox_go_ffi.so"))
      expect(error.message).toContain("/nonexistent/from-env.so")
    }))

  it.effect("reports why a file that is not a loadable library was refused", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "msb-garbage-"))
      const garbage = join(dir, "garbage.so")
      writeFileSync(garbage, "not an ELF file")
      const error = failure(yield* Effect.exit(load({ libraryPath: garbage }, { MSB_HOME: emptyHome })))
      expect(error.attempts[0]?.reason).not.toBe("no such file")
      expect(error.attempts[0]?.reason.length).toBeGreaterThan(0)
    }))

  it.effect("refuses a real shared library that is not the microsandbox runtime", () =>
    Effect.gen(function*() {
      const libc = "/lib/x86_64-linux-gnu/libc.so.6"
      const error = failure(yield* Effect.exit(load({ libraryPath: libc }, { MSB_HOME: emptyHome })))
      expect(error.attempts[0]?.reason).toContain("missing msb_free_string")
    }))

  it.effect("loads from an explicit path first", () =>
    Effect.gen(function*() {
      const svc = yield* Effect.scoped(
        Microsandbox.make({ libraryPath }).pipe(
          Effect.map((s) => ({ path: s.libraryPath, source: s.librarySource }))
        )
      ).pipe(withEnv({ MICROSANDBOX_FFI_PATH: "/nonexistent/from-env.so", MSB_HOME: emptyHome }))
      expect(svc).toEqual({ path: libraryPath, source: "explicit" })
      const double = yield* Effect.scoped(
        Effect.map(Microsandbox.make({ libraryPath }), (s) => s.isTestDouble)
      )
      expect(double).toBe(true)
    }))

  it.effect("falls back to MICROSANDBOX_FFI_PATH, read through Config", () =>
    Effect.gen(function*() {
      const svc = yield* Effect.scoped(
        Microsandbox.make({ libraryPath: "/nonexistent/explicit.so" }).pipe(
          Effect.map((s) => ({ path: s.libraryPath, source: s.librarySource }))
        )
      ).pipe(withEnv({ MICROSANDBOX_FFI_PATH: libraryPath, MSB_HOME: emptyHome }))
      expect(svc).toEqual({ path: libraryPath, source: "MICROSANDBOX_FFI_PATH" })
    }))

  it.effect("falls back to the install location under MSB_HOME", () =>
    Effect.gen(function*() {
      const home = mkdtempSync(join(tmpdir(), "msb-home-"))
      const target = join(home, "lib", "v0.6.14", "libmicrosandbox_go_ffi.so")
      mkdirSync(join(home, "lib", "v0.6.14"), { recursive: true })
      copyFileSync(libraryPath, target)
      const svc = yield* Effect.scoped(
        Microsandbox.make().pipe(Effect.map((s) => ({ path: s.libraryPath, source: s.librarySource })))
      ).pipe(withEnv({ MSB_HOME: home }))
      expect(svc).toEqual({ path: target, source: "install" })
    }))

  it.effect("layerConfig reads the options from Config", () =>
    Effect.gen(function*() {
      const source = yield* Microsandbox.Microsandbox.pipe(
        Effect.map((m) => [m.libraryPath, m.librarySource]),
        Effect.provide(
          Microsandbox.layerConfig({
            libraryPath: Config.string("TEST_LIBRARY"),
            threads: { maxWorkers: Config.integer("TEST_WORKERS") }
          })
        ),
        withEnv({ TEST_LIBRARY: libraryPath, TEST_WORKERS: "2", MSB_HOME: emptyHome })
      )
      expect(source).toEqual([libraryPath, "explicit"])
      const missing = yield* Effect.flip(
        Microsandbox.Microsandbox.pipe(
          Effect.provide(Microsandbox.layerConfig({ libraryPath: Config.string("TEST_LIBRARY") })),
          withEnv({ MSB_HOME: emptyHome })
        )
      )
      expect(missing._tag).toBe("ConfigError")
    }))

  it.effect("exposes the SDK and runtime versions and the backend", () =>
    Effect.gen(function*() {
      const result = yield* Effect.gen(function*() {
        const version = yield* Microsandbox.runtimeVersion
        const backend = yield* Microsandbox.backendInfo
        return { version, kind: backend.kind, source: backend.source }
      }).pipe(Effect.provide(Microsandbox.layer({ libraryPath })))
      expect(result).toEqual({ version: Microsandbox.sdkVersion, kind: "local", source: "default" })
      expect(Microsandbox.sdkVersion).toBe("0.6.14")
    }))

  it.effect("answers runtimeVersion with the version read at load, without another native call", () =>
    Effect.gen(function*() {
      const versionCalls = () => counters().calls.msb_version ?? 0
      const [atLoad, answers, after] = yield* Effect.gen(function*() {
        const atLoad = versionCalls()
        const answers = yield* Effect.all(Array.from({ length: 5 }, () => Microsandbox.runtimeVersion))
        return [atLoad, answers, versionCalls()] as const
      }).pipe(Effect.provide(Microsandbox.layer({ libraryPath })))
      expect(answers).toEqual(Array.from({ length: 5 }, () => Microsandbox.sdkVersion))
      expect(after).toBe(atLoad)
      expect(atLoad).toBeGreaterThan(0)
    }))
})
