/**
 * The newcomer's first sandbox, against the real microsandbox runtime (README command 1):
 *
 *   npm ci && npm run quickstart [image]
 *
 * 1. The doctor checks that this host can boot microVMs. Where it cannot, the diagnosis
 *    (what failed, what to do) is printed and the program exits non-zero. There is no
 *    fallback to the test double.
 * 2. The runtime's C-ABI library is found or installed (with download progress).
 * 3. The seed's typical flow: create a sandbox, run a command, print its output, and
 *    close — the sandbox is stopped when the scope ends.
 */
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Option } from "effect"
import { Exec, Microsandbox, Sandbox, SandboxConfig } from "../src/index.js"
import { Doctor, Installer } from "../src/node/index.js"

const image = process.argv[2] ?? "python:3.12"

class HostCannotBoot extends Error {}

const firstSandbox = Effect.scoped(
  Effect.gen(function*() {
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
  })
)

const program = Effect.gen(function*() {
  const report = yield* Doctor.doctor({ loadLibrary: false })
  // A missing library is fixed by the install below; any other failure is the host's.
  const blocking = report.failures.filter((f) => f.check !== "library")
  if (blocking.length > 0) {
    yield* Console.error(Doctor.format(report))
    return yield* Effect.fail(new HostCannotBoot("this host cannot boot microVMs"))
  }
  yield* firstSandbox.pipe(
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
        [`the sandbox did not boot: ${e.reason}`, ...e.systemLog.map((l) => `  | ${l}`), `→ ${e.remedy}`]
          .join("\n")
      ).pipe(Effect.zipRight(Effect.fail(new HostCannotBoot(e.message)))))
  )
})

program.pipe(
  // The diagnosis was printed: exit non-zero without a stack trace.
  Effect.catchIf((e) => e instanceof HostCannotBoot, () => Effect.sync(() => (process.exitCode = 1))),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain
)
