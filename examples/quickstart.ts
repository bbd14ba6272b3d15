/**
 * The newcomer's first sandbox, against the real microsandbox runtime (README command 1):
 *
 *   npm ci && npm run quickstart [image]
 *
 * 1. The doctor checks that this host can boot microVMs and prints what it found.
 * 2. The runtime's C-ABI library is found or installed (with download progress); when it
 *    cannot be installed, the installer's error and the doctor's diagnosis are printed
 *    and the program exits non-zero. There is no fallback to the test double.
 * 3. The seed's typical flow: create a sandbox, run a command, print its output, and
 *    close — the sandbox is stopped when the scope ends. Where the doctor says this host
 *    cannot boot microVMs, the create still goes to the real runtime, from an empty local
 *    root folder (no image pull), so that the runtime's own answer is shown: `BootFailed`
 *    with the runtime's system log lines, then the doctor's diagnosis; exit code 1.
 */
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Option } from "effect"
import { mkdirSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Exec, Microsandbox, Sandbox, SandboxConfig } from "../src/index.js"
import { Doctor, Installer } from "../src/node/index.js"

const image = process.argv[2] ?? "python:3.12"

class HostCannotBoot extends Error {}

/** An empty root folder: enough for the runtime to attempt a boot without pulling an image. */
const localRoot = () => {
  const root = mkdtempSync(join(tmpdir(), "msb-quickstart-root-"))
  for (const dir of ["bin", "etc", "tmp"]) mkdirSync(join(root, dir))
  return root
}

const firstSandbox = (image: string) =>
  Effect.scoped(Effect.gen(function*() {
    const runtime = yield* Microsandbox.Microsandbox
    if (runtime.isTestDouble) {
      yield* Console.error(
        `${runtime.libraryPath} is the test double, not the microsandbox runtime: unset MICROSANDBOX_FFI_PATH`
      )
      return yield* Effect.fail(new HostCannotBoot("the quickstart needs the real runtime"))
    }
    yield* Console.log(`runtime ${yield* runtime.runtimeVersion} from ${runtime.libraryPath}`)
    yield* Console.log(`creating a sandbox from ${image}…`)
    const sandbox = yield* Sandbox.make("quickstart", SandboxConfig.image(image), SandboxConfig.replace())
    const result = yield* sandbox.exec("sh", [
      "-c",
      "echo \"hello from $(uname -n), a microVM running $(uname -sr)\"; (python3 --version || true) 2>&1"
    ]).pipe(Exec.orFail)
    yield* Console.log(result.stdout.trimEnd())
  }))

const program = Effect.gen(function*() {
  const report = yield* Doctor.doctor({ loadLibrary: false })
  // A missing library is fixed by the install below; any other failure is the host's.
  const blocking = report.failures.filter((f) => f.check !== "library")
  const diagnosis = Console.error(Doctor.format(report))
  if (blocking.length > 0) {
    yield* diagnosis
    yield* Console.error(
      "\nthis host cannot boot microVMs; asking the real runtime anyway, from an empty local root folder (no image pull), to show its own answer (on a paravirtual KVM the guest fails late: up to two minutes)…"
    )
  }
  yield* firstSandbox(blocking.length > 0 ? localRoot() : image).pipe(
    Effect.provide(
      Installer.layerMicrosandboxNode({
        onProgress: (p) =>
          Console.log(
            `downloading ${p.url}: ${(p.receivedBytes / 2 ** 20).toFixed(1)} MiB${
              Option.match(p.totalBytes, {
                onNone: () => "",
                onSome: (t) => ` of ${(t / 2 ** 20).toFixed(1)} MiB`
              })
            }`
          )
      })
    ),
    Effect.catchTag("BootFailed", (e) =>
      Console.error(
        [
          `the sandbox did not boot (${e.reason}${
            e.processExit !== undefined ? `, ${e.processExit}` : ""
          }): ${e.message}`,
          "the runtime's system log of that boot:",
          ...e.systemLog.map((l) => `  | ${l}`),
          `→ ${e.remedy}`
        ].join("\n")
      ).pipe(
        Effect.zipRight(
          blocking.length > 0 ? Console.error("\nthe doctor's diagnosis, again:") : Effect.void
        ),
        Effect.zipRight(blocking.length > 0 ? diagnosis : Effect.void),
        Effect.zipRight(Effect.fail(new HostCannotBoot(e.message)))
      )),
    Effect.catchTags({
      InstallFailed: (e) => installFailed(e.message, e.remedy),
      VerificationFailed: (e) => installFailed(e.message, e.remedy),
      ChecksumMismatch: (e) =>
        installFailed(e.message, "retry; if it persists, the module proxy serves a broken archive")
    })
  )

  function installFailed(message: string, remedy: string) {
    return Console.error(`the runtime library could not be installed: ${message}\n→ ${remedy}`).pipe(
      Effect.zipRight(blocking.length > 0 ? Effect.void : diagnosis),
      Effect.zipRight(Effect.fail(new HostCannotBoot(message)))
    )
  }
})

program.pipe(
  // The diagnosis was printed: exit non-zero without a stack trace.
  Effect.catchIf((e) => e instanceof HostCannotBoot, () => Effect.sync(() => (process.exitCode = 1))),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain
)
