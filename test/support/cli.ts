// The effect-microsandbox command in tests: in this process (Cli.run with Node's layers and
// a Console that records what it prints), or as a user runs it (src/bin/cli.ts through tsx).
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { execFile } from "node:child_process"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Cli from "../../src/node/Cli.js"

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const root = join(fileURLToPath(import.meta.url), "..", "..", "..")

const text = (args: ReadonlyArray<unknown>) => args.map(String).join(" ") + "\n"

/** Runs the command in this process; `args` as typed after `effect-microsandbox`. */
export const runCli = (args: ReadonlyArray<string>): Effect.Effect<CliResult> =>
  runCliWatched(args, { stdout: "", stderr: "" })

/**
 * `runCli`, writing what it prints into `output` as it prints it (so a test can watch a
 * command that runs until interrupted).
 */
export const runCliWatched = (
  args: ReadonlyArray<string>,
  output: { stdout: string; stderr: string }
): Effect.Effect<CliResult> =>
  Effect.gen(function*() {
    const base = yield* Console.consoleWith(Effect.succeed)
    const recording: Console.Console = {
      ...base,
      log: (...a) => Effect.sync(() => void (output.stdout += text(a))),
      info: (...a) => Effect.sync(() => void (output.stdout += text(a))),
      error: (...a) => Effect.sync(() => void (output.stderr += text(a))),
      warn: (...a) => Effect.sync(() => void (output.stderr += text(a)))
    }
    const code = yield* Cli.run(["node", "effect-microsandbox", ...args]).pipe(
      Effect.withConsole(recording),
      Effect.provide(Layer.merge(NodeContext.layer, NodeHttpClient.layerUndici))
    )
    return { code, stdout: output.stdout, stderr: output.stderr }
  })

/** Runs src/bin/cli.ts in its own process through tsx, with exactly `env`. */
export const runCliProcess = (
  args: ReadonlyArray<string>,
  env: Record<string, string>
): Effect.Effect<CliResult> =>
  Effect.async<CliResult>((resume) => {
    execFile(
      join(root, "node_modules", ".bin", "tsx"),
      [join(root, "src", "bin", "cli.ts"), ...args],
      { env: { ...env, NODE_PATH: "" }, cwd: root },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1
        resume(Effect.succeed({ code, stdout, stderr }))
      }
    )
  })

const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`

/**
 * `runCliProcess` on a terminal: under `script`, which gives the command a pseudo-terminal
 * (stdout and stderr both arrive in `stdout`). `undefined` where `script` is missing.
 */
export const runCliOnTerminal = (
  args: ReadonlyArray<string>,
  env: Record<string, string>
): Effect.Effect<CliResult | undefined> =>
  Effect.async<CliResult | undefined>((resume) => {
    const command = [join(root, "node_modules", ".bin", "tsx"), join(root, "src", "bin", "cli.ts"), ...args]
      .map(quote).join(" ")
    execFile(
      "script",
      ["-qec", command, "/dev/null"],
      { env: { ...env, NODE_PATH: "", TERM: "xterm" }, cwd: root },
      (error, stdout, stderr) => {
        if (error !== null && (error as NodeJS.ErrnoException).code === "ENOENT") {
          return resume(Effect.succeed(undefined))
        }
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1
        resume(Effect.succeed({ code, stdout, stderr }))
      }
    )
  })
