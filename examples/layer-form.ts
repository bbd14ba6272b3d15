/**
 * A sandbox as a Layer: services receive it by dependency injection, and the Layer's
 * scope stops it when the program ends.
 *
 *   npm run example -- examples/layer-form.ts
 */
import { Console, Context, Effect, Layer } from "effect"
import { Microsandbox, Sandbox, SandboxConfig } from "../src/index.js"

// The sandbox this application runs untrusted code in.
class CodeRunnerSandbox extends Context.Tag("app/CodeRunnerSandbox")<CodeRunnerSandbox, Sandbox.Sandbox>() {}

// A service that depends on it.
class CodeRunner extends Context.Tag("app/CodeRunner")<CodeRunner, {
  readonly run: (script: string) => Effect.Effect<string, unknown>
}>() {
  static readonly layer = Layer.effect(
    CodeRunner,
    Effect.gen(function*() {
      const sandbox = yield* CodeRunnerSandbox
      return {
        run: (script: string) => sandbox.shell(script).pipe(Effect.map((r) => r.stdout))
      }
    })
  )
}

const SandboxLive = Sandbox.layer(CodeRunnerSandbox, "code-runner", SandboxConfig.image("alpine"))
const AppLive = CodeRunner.layer.pipe(Layer.provide(SandboxLive), Layer.provide(Microsandbox.layer()))

const program = Effect.gen(function*() {
  const runner = yield* CodeRunner
  yield* Console.log(yield* runner.run("echo 6 times 7 is $((6 * 7))"))
})

program.pipe(Effect.provide(AppLive), Effect.runPromise).catch((e) => {
  console.error(String(e))
  process.exit(1)
})
