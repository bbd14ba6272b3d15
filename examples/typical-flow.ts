/**
 * The seed's typical flow: create a sandbox, run a command, read its output, close.
 * The sandbox is stopped when the scope ends, whatever happens in between.
 *
 *   npm run example -- examples/typical-flow.ts      (against the runtime double)
 */
import { Console, Effect } from "effect"
import { Exec, Microsandbox, Sandbox, SandboxConfig } from "../src/index.js"

const program = Effect.scoped(
  Effect.gen(function*() {
    const sandbox = yield* Sandbox.make(
      "typical-flow",
      SandboxConfig.image("python:3.12"),
      SandboxConfig.memory(512),
      SandboxConfig.env({ GREETING: "hello" })
    )

    const result = yield* sandbox.exec("sh", ["-c", "echo $GREETING from $(uname -s)"]).pipe(Exec.orFail)
    yield* Console.log(`exit ${result.exitCode}: ${result.stdout.trim()}`)

    yield* sandbox.fs.write("/tmp/note.txt", "written from the host\n")
    yield* Console.log(`file: ${(yield* sandbox.fs.readString("/tmp/note.txt")).trim()}`)
  })
).pipe(
  Effect.catchTags({
    SandboxAlreadyExists: (e) => Console.error(`name taken: ${e.message}`),
    NonZeroExit: (e) => Console.error(`command failed (${e.exitCode}): ${e.stderr}`)
  })
)

program.pipe(Effect.provide(Microsandbox.layer()), Effect.runPromise).catch((e) => {
  console.error(String(e))
  process.exit(1)
})
