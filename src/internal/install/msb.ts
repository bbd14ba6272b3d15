/**
 * The `msb` runtime executable and `libkrunfw` from the npm package
 * `@superradcompany/microsandbox-<platform>` (an optional dependency: npm installs the
 * one matching the host), and `msb --version`.
 *
 * @internal
 */
import * as Command from "@effect/platform/Command"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { existsSync, readdirSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"

/** The npm package that ships `msb` and `libkrunfw` for a platform (undefined: none is published). */
export const npmRuntimePackage = (platform: NodeJS.Platform, arch: string): string | undefined => {
  const suffix = platform === "linux" && arch === "x64"
    ? "linux-x64-gnu"
    : platform === "linux" && arch === "arm64"
    ? "linux-arm64-gnu"
    : platform === "darwin" && arch === "arm64"
    ? "darwin-arm64"
    : platform === "win32" && arch === "x64"
    ? "win32-x64-msvc"
    : platform === "win32" && arch === "arm64"
    ? "win32-arm64-msvc"
    : undefined
  return suffix === undefined ? undefined : `@superradcompany/microsandbox-${suffix}`
}

export const msbFileName = (platform: NodeJS.Platform = process.platform): string =>
  platform === "win32" ? "msb.exe" : "msb"

export interface NpmRuntime {
  readonly packageName: string
  readonly packageDir: string
  readonly version: string
  readonly msbPath: string
  readonly libkrunfwPath: Option.Option<string>
}

/** Finds the npm runtime package installed next to this library. */
export const resolveNpmRuntime = (
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch
): Option.Option<NpmRuntime> => {
  const packageName = npmRuntimePackage(platform, arch)
  if (packageName === undefined) return Option.none()
  let manifest: string
  try {
    manifest = createRequire(import.meta.url).resolve(`${packageName}/package.json`)
  } catch {
    return Option.none()
  }
  const packageDir = dirname(manifest)
  const msbPath = join(packageDir, "bin", msbFileName(platform))
  if (!existsSync(msbPath)) return Option.none()
  let version = ""
  try {
    version = (createRequire(import.meta.url)(manifest) as { version?: string }).version ?? ""
  } catch {
    // keep ""
  }
  let libkrunfwPath = Option.none<string>()
  try {
    const lib = readdirSync(join(packageDir, "lib")).filter((f) => f.startsWith("libkrunfw")).sort()[0]
    if (lib !== undefined) libkrunfwPath = Option.some(join(packageDir, "lib", lib))
  } catch {
    // no lib folder
  }
  return Option.some({ packageName, packageDir, version, msbPath, libkrunfwPath })
}

/** `msb --version` ("msb 0.6.14") as the version string; `None` when it does not run or says something else. */
export const msbVersion = (
  msbPath: string
): Effect.Effect<Option.Option<string>, never, CommandExecutor.CommandExecutor> =>
  Command.make(msbPath, "--version").pipe(
    Command.string,
    Effect.map((out) => {
      const m = /^msb (\S+)\s*$/.exec(out.trim())
      return m ? Option.some(m[1]!) : Option.none<string>()
    }),
    Effect.orElseSucceed(() => Option.none<string>())
  )
