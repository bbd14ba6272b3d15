// The real msb from the npm package @superradcompany/microsandbox-<platform>: resolved,
// runs, reports the pinned version; and the library is pointed at it by default.
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { existsSync, readFileSync } from "node:fs"
import { msbVersion, npmRuntimePackage, resolveNpmRuntime } from "../../src/internal/install/msb.js"
import * as Microsandbox from "../../src/Microsandbox.js"
import { control, libraryPath } from "../support/double.js"

const expected = npmRuntimePackage(process.platform, process.arch)
const runtime = resolveNpmRuntime()
const pin = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  optionalDependencies?: Record<string, string>
}).optionalDependencies ?? {}

describe("the npm runtime package", () => {
  it("is pinned, as an optional dependency, to exactly the runtime version the SDK implements", () => {
    expect(pin["@superradcompany/microsandbox-linux-x64-gnu"]).toBe(Microsandbox.sdkVersion)
    for (const version of Object.values(pin)) expect(version).toBe(Microsandbox.sdkVersion)
  })

  describe.skipIf(Option.isNone(runtime))(
    `msb from ${expected ?? "(no package for this platform)"}${
      Option.isNone(runtime) ? " (skipped: the package is not installed for this platform)" : ""
    }`,
    () => {
      // defined whenever these tests run (the suite is skipped otherwise)
      const found = Option.getOrUndefined(runtime)!
      it("is resolved with libkrunfw next to it, at the pinned version", () => {
        expect(found.packageName).toBe(expected)
        expect(found.version).toBe(Microsandbox.sdkVersion)
        expect(existsSync(found.msbPath)).toBe(true)
        expect(Option.map(found.libkrunfwPath, existsSync)).toEqual(Option.some(true))
      })

      it.effect("`msb --version` matches the pin", () =>
        Effect.gen(function*() {
          const version = yield* msbVersion(found.msbPath)
          expect(version).toEqual(Option.some(Microsandbox.sdkVersion))
        }).pipe(Effect.provide(NodeContext.layer)))

      it.effect("Microsandbox.layer points the runtime library at it (msb_set_sdk_msb_path)", () =>
        Effect.gen(function*() {
          yield* Effect.scoped(Microsandbox.make({ libraryPath }))
          expect(control({ op: "msb_path" })).toEqual({ path: found.msbPath })
        }))
    }
  )
})
