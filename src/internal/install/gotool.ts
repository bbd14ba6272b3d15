/**
 * The Go toolchain route: `go mod download -json MODULE@VERSION` in a scratch folder
 * lets the user's own Go settings (GOPROXY, GOSUMDB, GOFLAGS, GONOSUMDB, module cache)
 * fetch and verify the module; we take the file from the folder it reports.
 *
 * @internal
 */
import * as Command from "@effect/platform/Command"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { InstallFailed } from "../errorModel.js"

const OPERATION = "Installer.ensureInstalled"

/** What `go mod download -json` reports for one module. */
export const GoDownload = Schema.Struct({
  Path: Schema.String,
  Version: Schema.String,
  Error: Schema.optional(Schema.String),
  Dir: Schema.optional(Schema.String),
  Zip: Schema.optional(Schema.String),
  Sum: Schema.optional(Schema.String)
})
export type GoDownload = typeof GoDownload.Type

const collect = (stream: Stream.Stream<Uint8Array, unknown>) =>
  stream.pipe(Stream.decodeText(), Stream.runFold("", (a, b) => a + b), Effect.orElseSucceed(() => ""))

/**
 * Runs the Go tool; `None` when there is no `go` executable on PATH. `pathEnv`, when
 * given, is the PATH the tool is looked up in and run with.
 */
export const goModDownload = (
  module: string,
  version: string,
  scratchDir: string,
  pathEnv: Option.Option<string>
): Effect.Effect<
  Option.Option<GoDownload & { readonly Dir: string }>,
  InstallFailed,
  CommandExecutor.CommandExecutor
> =>
  Effect.scoped(Effect.gen(function*() {
    let command = Command.make("go", "mod", "download", "-json", `${module}@${version}`).pipe(
      Command.workingDirectory(scratchDir)
    )
    if (Option.isSome(pathEnv)) command = Command.env(command, { PATH: pathEnv.value })
    const started = yield* Effect.either(Command.start(command))
    if (started._tag === "Left") {
      const e = started.left
      if (e._tag === "SystemError" && e.reason === "NotFound") return Option.none()
      return yield* new InstallFailed({
        message: `could not run the Go toolchain: ${e.message}`,
        operation: OPERATION,
        reason: "GoToolFailed",
        remedy: "fix the Go installation on PATH, or remove it from PATH to use GOPROXY directly"
      })
    }
    const proc = started.right
    const [stdout, stderr, exit] = yield* Effect.all(
      [collect(proc.stdout), collect(proc.stderr), Effect.either(proc.exitCode)],
      { concurrency: "unbounded" }
    )
    const parsed = Schema.decodeUnknownOption(Schema.parseJson(GoDownload))(stdout)
    const failed = (detail: string) =>
      new InstallFailed({
        message: `go mod download ${module}@${version} failed: ${detail}`,
        operation: OPERATION,
        reason: "GoToolFailed",
        remedy:
          "check your Go settings (`go env GOPROXY GOSUMDB GOFLAGS`) and network; the Go tool's message above says what went wrong"
      })
    if (Option.isSome(parsed) && parsed.value.Error !== undefined) return yield* failed(parsed.value.Error)
    if (exit._tag === "Left" || exit.right !== 0) {
      return yield* failed(stderr.trim() || `exit ${exit._tag === "Right" ? exit.right : exit.left.message}`)
    }
    if (Option.isNone(parsed) || parsed.value.Dir === undefined) {
      return yield* failed(`unexpected output: ${stdout.slice(0, 500)}`)
    }
    return Option.some({ ...parsed.value, Dir: parsed.value.Dir })
  })).pipe(Effect.withSpan("Installer.goModDownload", { attributes: { module, version } }))
