// Running the installer in a test: a private MSB_HOME, a Config with exactly the
// variables the test names (no Go toolchain unless PATH says so), Node's platform layers.
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { mkdirSync, mkdtempSync, readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export const platformLayer = Layer.merge(NodeContext.layer, NodeHttpClient.layerUndici)

/** A fresh MSB_HOME and an empty PATH folder (so no `go` is found). */
export const freshHome = (): { home: string; emptyPath: string } => {
  const home = mkdtempSync(join(tmpdir(), "msb-install-"))
  const emptyPath = join(home, "empty-path")
  mkdirSync(emptyPath)
  return { home, emptyPath }
}

/** Runs with exactly these variables as Config, and only warnings logged. */
export const withEnv = (env: Record<string, string>) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
  self.pipe(
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))),
    Logger.withMinimumLogLevel(LogLevel.Warning)
  )

/** Everything under $MSB_HOME/lib, relative paths, sorted (temp folders included). */
export const libTree = (home: string): Array<string> => {
  const out: Array<string> = []
  const walk = (dir: string, rel: string) => {
    let names: Array<string> = []
    try {
      names = readdirSync(dir)
    } catch {
      return
    }
    for (const n of names.sort()) {
      const r = rel ? `${rel}/${n}` : n
      out.push(r)
      walk(join(dir, n), r)
    }
  }
  walk(join(home, "lib"), "")
  return out
}

export const installedPath = (home: string) => join(home, "lib", "v0.6.14", "libmicrosandbox_go_ffi.so")
