import { describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { join } from "node:path"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as Double from "../support/double.js"

// Runs the attach fixture under `script`, which gives it a real pseudo-terminal.
const underPty = (name: string, mode: string, input: ReadonlyArray<string>) =>
  Effect.async<{ code: number | null; output: string }>((resume) => {
    const child = join(process.cwd(), "test", "fixtures", "attach-child.ts")
    const cmd = `${process.execPath} --import tsx ${child} ${name} ${mode}`
    const proc = spawn("script", ["-q", "-f", "-e", "-c", cmd, "/dev/null"], {
      env: process.env,
      stdio: ["pipe", "pipe", "inherit"]
    })
    let output = ""
    let sent = 0
    proc.stdout.on("data", (d: Buffer) => {
      output += d.toString()
      // Type each line once the guest shell has printed a prompt.
      if (sent < input.length && /[$#] $/.test(output.trimEnd() + " ")) proc.stdin.write(input[sent++]!)
    })
    const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000)
    proc.on("exit", (code) => {
      clearTimeout(timer)
      resume(Effect.succeed({ code, output }))
    })
    return Effect.sync(() => proc.kill("SIGKILL"))
  })

describe("attach", () => {
  layer(Double.layer(), { excludeTestServices: true })((it) => {
    it.scoped("fails with NotATerminal when stdin is not a TTY", () =>
      Effect.gen(function*() {
        const sb = yield* Sandbox.make("attach-notty", SandboxConfig.image("alpine"))
        const calls = Double.counters().calls.msb_sandbox_attach_shell ?? 0
        const error = yield* Effect.flip(sb.attachShell)
        expect(error._tag).toBe("NotATerminal")
        expect((yield* Effect.flip(sb.attach("sh")))._tag).toBe("NotATerminal")
        expect(Double.counters().calls.msb_sandbox_attach_shell ?? 0).toBe(calls)
      }))

    it.effect("bridges a real terminal to the sandbox's shell and returns its exit code", () =>
      Effect.gen(function*() {
        const result = yield* underPty("attach-tty", "shell", ["echo hello-from-guest\n", "exit 7\n"])
        expect(result.output).toContain("hello-from-guest")
        expect(result.output).toContain("attach-exit=7")
        expect(result.code).toBe(0)
      }))

    it.effect("attach runs a given command under the terminal", () =>
      Effect.gen(function*() {
        const result = yield* underPty("attach-cmd", "command", ["echo $((6 * 7))\n", "exit 3\n"])
        expect(result.output).toContain("42")
        expect(result.output).toContain("attach-exit=3")
      }))
  })
})
