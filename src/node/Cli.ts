/**
 * The `effect-microsandbox` command, on `@effect/cli` (help with `--help` on every
 * command, argument validation, shell completions with `--completions bash|zsh|fish`):
 *
 * - `doctor [--json]` — checks whether this host can boot sandboxes; exits 1 when it
 *   cannot, with the failed checks and their remedies.
 * - `install [--skip-download] [--allow-unverified] [--library PATH]` — finds or installs
 *   the runtime library (`Installer.ensureInstalled`): a progress bar on a terminal, one
 *   line per 5% otherwise.
 * - `version` — the runtime version this SDK implements (`--version`: this package's).
 * - `ls [--json]` — the sandboxes of `$MSB_HOME`, newest first, with their status.
 * - `logs <name> [--follow] [--tail N]` — a sandbox's output (stderr lines on stderr);
 *   `--follow` keeps printing new output until interrupted.
 * - `stop <name> [--timeout SECONDS] [--kill]`, `rm <name> [--force]`.
 *
 * The sandbox commands load the runtime library from `--library`, then
 * `MICROSANDBOX_FFI_PATH`, then the install location. Invalid arguments exit 2, failed
 * operations exit 1 with the error and its remedy.
 *
 * @example
 * ```ts
 * import { NodeContext, NodeHttpClient, NodeRuntime } from "@effect/platform-node"
 * import { Effect, Layer } from "effect"
 * import * as Cli from "effect-microsandbox/node/Cli"
 *
 * const main = Cli.run(process.argv).pipe(
 *   Effect.flatMap((code) => Effect.sync(() => { process.exitCode = code })),
 *   Effect.provide(Layer.merge(NodeContext.layer, NodeHttpClient.layerUndici))
 * )
 *
 * // The bin script runs it: `NodeRuntime.runMain(main)`.
 * const start = () => NodeRuntime.runMain(main)
 * ```
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import type * as CliApp from "@effect/cli/CliApp"
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { createRequire } from "node:module"
import * as Logs from "../Logs.js"
import * as Microsandbox from "../Microsandbox.js"
import type { MicrosandboxError } from "../MicrosandboxError.js"
import * as Sandbox from "../Sandbox.js"
import type { SandboxHandle } from "../SandboxHandle.js"
import * as Doctor from "./Doctor.js"
import * as Installer from "./Installer.js"

/**
 * What the command needs from the platform: `@effect/cli`'s environment (file system,
 * path, terminal), commands and an HTTP client (the installer's downloads). Node's
 * `NodeContext.layer` and `NodeHttpClient.layerUndici` provide all of it.
 *
 * @since 0.1.0
 * @category models
 */
export type Environment =
  | CliApp.CliApp.Environment
  | FileSystem.FileSystem
  | CommandExecutor.CommandExecutor
  | HttpClient.HttpClient

/**
 * How a command ends other than with exit code 0: `run` turns it into its exit code.
 *
 * @since 0.1.0
 * @category models
 */
export class ExitCode extends Data.TaggedError("ExitCode")<{ readonly code: number }> {}

/** A failed operation: the error and its remedy when it has one; exit code 1. */
const reportFailure = (e: { readonly _tag: string; readonly message: string }) =>
  Effect.zipRight(
    Console.error(
      `${e._tag}: ${e.message}${"remedy" in e && typeof e.remedy === "string" ? `\n→ ${e.remedy}` : ""}`
    ),
    Effect.fail(new ExitCode({ code: 1 }))
  )

const withFailures = <A, R>(
  effect: Effect.Effect<A, { readonly _tag: string; readonly message: string }, R>
): Effect.Effect<void, ExitCode, R> => Effect.catchAll(Effect.asVoid(effect), reportFailure)

/** An option value that looks like an option is a missing value, not a path named `--x`. */
const notAnOption = (what: string) => (value: string) =>
  value.startsWith("-")
    ? Effect.fail(
      ValidationError.invalidValue(
        HelpDoc.p(
          `${what} expects a path, got the option '${value}' (write a path that starts with - as ./${value})`
        )
      )
    )
    : Effect.succeed(value)

const library = Options.text("library").pipe(
  Options.withPseudoName("PATH"),
  Options.withDescription(
    "the runtime library (libmicrosandbox_go_ffi) to use; default: MICROSANDBOX_FFI_PATH, then the install location"
  ),
  Options.mapEffect(notAnOption("--library")),
  Options.optional
)

const json = Options.boolean("json").pipe(Options.withDescription("print JSON instead of text"))

const sandboxName = Args.text({ name: "name" }).pipe(Args.withDescription("the sandbox's name"))

/** Runs `f` with the runtime library loaded (from `--library`, else the default search). */
const withRuntime = <A, E, R>(
  libraryPath: Option.Option<string>,
  effect: Effect.Effect<A, E, R | Microsandbox.Microsandbox>
) => Effect.provide(effect, Microsandbox.layer({ libraryPath: Option.getOrUndefined(libraryPath) }))

// doctor

const doctorCommand = Command.make("doctor", { json }, ({ json }) =>
  Effect.gen(function*() {
    const report = yield* Doctor.doctor()
    yield* Console.log(json ? JSON.stringify(reportJson(report), null, 2) : Doctor.format(report))
    if (!report.ok) return yield* new ExitCode({ code: 1 })
  })).pipe(
    Command.withDescription("check whether this host can boot microsandbox sandboxes (exit 1 when not)")
  )

const reportJson = (report: Doctor.Report) => ({
  ok: report.ok,
  checks: report.checks.map((c) => ({
    check: c.check,
    ok: c.ok,
    detail: c.detail,
    ...Option.match(c.error, { onNone: () => ({}), onSome: (e) => ({ remedy: e.remedy }) })
  }))
})

// install

const mib = (n: number) => (n / 1048576).toFixed(1)
const BAR = 30

/** Progress on a terminal: one bar redrawn in place. Elsewhere: a line per 5% (or per 4 MiB). */
const progressReporter = (terminal: boolean) => {
  let last = ""
  let drawn = false
  const onProgress = (p: Installer.Progress) => {
    const total = Option.getOrUndefined(p.totalBytes)
    if (terminal) {
      const filled = total ? Math.min(BAR, Math.floor((p.receivedBytes / total) * BAR)) : 0
      const line = total
        ? `[${"#".repeat(filled)}${".".repeat(BAR - filled)}] ${
          Math.floor((p.receivedBytes / total) * 100)
        }% ${mib(p.receivedBytes)}/${mib(total)} MiB`
        : `downloading ${mib(p.receivedBytes)} MiB`
      if (line === last) return Effect.void
      last = line
      drawn = true
      return Effect.sync(() => void process.stderr.write(`\r${line}\x1b[K`))
    }
    const step = total ? Math.floor((p.receivedBytes / total) * 20) : Math.floor(p.receivedBytes / (4 << 20))
    const line = total
      ? `downloading ${mib(p.receivedBytes)}/${mib(total)} MiB (${step * 5}%) ${p.url}`
      : `downloading ${mib(p.receivedBytes)} MiB ${p.url}`
    if (String(step) === last) return Effect.void
    last = String(step)
    return Console.error(line)
  }
  const finish = Effect.sync(() => {
    if (drawn) process.stderr.write("\n")
  })
  return { onProgress, finish }
}

const installCommand = Command.make("install", {
  skipDownload: Options.boolean("skip-download").pipe(
    Options.withDescription("never download: fail when the library is not installed")
  ),
  allowUnverified: Options.boolean("allow-unverified").pipe(
    Options.withDescription("install even when no checksum database (GOSUMDB) can verify the module")
  ),
  library
}, ({ allowUnverified, library, skipDownload }) =>
  Effect.gen(function*() {
    const progress = progressReporter(process.stderr.isTTY === true)
    const installation = yield* Installer.ensureInstalled({
      libraryPath: Option.getOrUndefined(library),
      skipDownload,
      allowUnverified,
      onProgress: progress.onProgress
    }).pipe(Effect.ensuring(progress.finish))
    const { libraryPath, msbPath, provenance } = installation
    const how = provenance._tag === "Found"
      ? `already there (${provenance.source})`
      : provenance._tag === "GoToolchain"
      ? "installed through the Go toolchain"
      : `installed from ${provenance.url}${provenance.verified ? ", verified" : ", NOT verified"}`
    yield* Console.log(`runtime library: ${libraryPath} — ${how}`)
    yield* Console.log(
      `msb: ${Option.getOrElse(msbPath, () => "not found (see `effect-microsandbox doctor`)")}`
    )
  }).pipe(withFailures)).pipe(Command.withDescription("find or install the runtime library"))

// version

const versionCommand = Command.make("version", {}, () => Console.log(Microsandbox.sdkVersion)).pipe(
  Command.withDescription("the microsandbox runtime version this SDK implements")
)

// ls

const date = (d: Option.Option<Date>) =>
  Option.match(d, { onNone: () => "-", onSome: (d) => d.toISOString() })

const lsCommand = Command.make("ls", { json, library }, ({ json, library }) =>
  withRuntime(
    library,
    Effect.gen(function*() {
      const sandboxes = yield* Sandbox.list
      if (json) {
        const rows = sandboxes.map((s) => ({
          name: s.name,
          status: s.status,
          createdAt: Option.getOrNull(Option.map(s.createdAt, (d) => d.toISOString())),
          updatedAt: Option.getOrNull(Option.map(s.updatedAt, (d) => d.toISOString()))
        }))
        return yield* Console.log(JSON.stringify(rows, null, 2))
      }
      if (sandboxes.length === 0) return yield* Console.log("no sandboxes")
      yield* Console.log(table(sandboxes))
    })
  ).pipe(withFailures)).pipe(Command.withDescription("list the sandboxes, newest first, with their status"))

const table = (sandboxes: ReadonlyArray<SandboxHandle>) => {
  const rows = [
    ["NAME", "STATUS", "CREATED"],
    ...sandboxes.map((s) => [s.name, s.status, date(s.createdAt)])
  ]
  const widths = [0, 1].map((i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows.map((r) => `${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]}`).join("\n")
}

// logs

const printLine = (line: Logs.LogLine) =>
  line.source === "stderr"
    ? Console.error(line.text)
    : line.source === "system"
    ? Console.error(`[system] ${line.text}`)
    : Console.log(line.text)

const logsCommand = Command.make("logs", {
  name: sandboxName,
  follow: Options.boolean("follow").pipe(
    Options.withAlias("f"),
    Options.withDescription("keep printing new output as it is written, until interrupted (Ctrl-C)")
  ),
  tail: Options.integer("tail").pipe(
    Options.withDescription("only the last N entries"),
    Options.mapEffect((n) =>
      n > 0
        ? Effect.succeed(n)
        : Effect.fail(ValidationError.invalidValue(HelpDoc.p("--tail must be positive")))
    ),
    Options.optional
  ),
  library
}, ({ follow, library, name, tail }) =>
  withRuntime(
    library,
    Effect.gen(function*() {
      const handle = yield* Sandbox.get(name)
      // The entries there now (the last --tail of them), then, with --follow, every entry
      // written after the last one printed, until interrupted (Ctrl-C).
      const snapshot = yield* handle.logs({ tail: Option.getOrUndefined(tail) })
      const last = snapshot.at(-1)
      const entries: Stream.Stream<Logs.LogEntry, MicrosandboxError> = Stream.concat(
        Stream.fromIterable(snapshot),
        follow
          ? handle.logStream({ follow: true, ...(last !== undefined ? { afterCursor: last.cursor } : {}) })
          : Stream.empty
      )
      yield* Stream.runForEach(Logs.lines(entries), printLine)
    })
  ).pipe(withFailures)).pipe(Command.withDescription("print a sandbox's output"))

// stop

const stopCommand = Command.make("stop", {
  name: sandboxName,
  timeout: Options.integer("timeout").pipe(
    Options.withDescription("seconds to wait for a graceful stop before killing"),
    Options.mapEffect((n) =>
      n >= 0
        ? Effect.succeed(n)
        : Effect.fail(ValidationError.invalidValue(HelpDoc.p("--timeout must be >= 0")))
    ),
    Options.withDefault(10)
  ),
  kill: Options.boolean("kill").pipe(Options.withDescription("kill at once, without a graceful stop")),
  library
}, ({ kill, library, name, timeout }) =>
  withRuntime(
    library,
    Effect.gen(function*() {
      const handle = yield* Sandbox.get(name)
      if (handle.status === "stopped" || handle.status === "crashed") {
        return yield* Console.log(`${name} is already ${handle.status}`)
      }
      yield* kill ? handle.kill() : handle.stop({ timeout: Duration.seconds(timeout) })
      yield* Console.log(`stopped ${name}`)
    })
  ).pipe(withFailures)).pipe(Command.withDescription("stop a running sandbox (graceful, then kill)"))

// rm

const rmCommand = Command.make("rm", {
  name: sandboxName,
  force: Options.boolean("force").pipe(Options.withDescription("kill the sandbox first when it runs")),
  library
}, ({ force, library, name }) =>
  withRuntime(
    library,
    Effect.gen(function*() {
      const handle = yield* Sandbox.get(name)
      if (force && handle.status !== "stopped" && handle.status !== "crashed") yield* handle.kill()
      yield* handle.remove
      yield* Console.log(`removed ${name}`)
    })
  ).pipe(withFailures)).pipe(Command.withDescription("remove a stopped sandbox (its record, state and logs)"))

/**
 * The command tree.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("effect-microsandbox").pipe(
  Command.withDescription(
    "microsandbox from the effect-microsandbox SDK: set up the runtime, inspect sandboxes"
  ),
  Command.withSubcommands([
    doctorCommand,
    installCommand,
    versionCommand,
    lsCommand,
    logsCommand,
    stopCommand,
    rmCommand
  ])
)

const PackageJson = Schema.Struct({ version: Schema.String })

/** This package's version, read from its package.json (two folders up in src/ and dist/). */
const packageVersion = Effect.sync(() => createRequire(import.meta.url)("../../package.json") as unknown)
  .pipe(
    Effect.flatMap(Schema.decodeUnknown(PackageJson)),
    Effect.map((p) => p.version),
    Effect.orElseSucceed(() => "unknown")
  )

/**
 * Runs the command on `argv` (as `process.argv`: the runtime and the script first) and
 * gives its exit code: 0; 1 when the operation failed (the error and its remedy are
 * printed) or the doctor found a failed check; 2 when the arguments are invalid (the
 * reason is printed).
 *
 * @since 0.1.0
 * @category commands
 */
export const run = (argv: ReadonlyArray<string>): Effect.Effect<number, never, Environment> =>
  Effect.flatMap(
    packageVersion,
    (version) =>
      Command.run(command, { name: "effect-microsandbox", version })(argv).pipe(
        Effect.as(0),
        Effect.catchAll((e) => Effect.succeed(ValidationError.isValidationError(e) ? 2 : e.code))
      )
  )
