// The sandbox commands (ls, logs, stop, rm), doctor --json, help, completions and argument
// validation, run in this process against the runtime double.
import { describe, expect, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import { runCli, runCliWatched } from "../support/cli.js"
import * as Double from "../support/double.js"

const lib = ["--library", Double.libraryPath]

/** A detached sandbox (it outlives the test's Scope, as one started by another program would). */
const detached = (name: string) =>
  Effect.scoped(Sandbox.make(name, SandboxConfig.image("alpine"), SandboxConfig.detached()))

const statusOf = (name: string) => Effect.map(Sandbox.get(name), (h) => h.status)

describe("effect-microsandbox sandbox commands", () => {
  layer(Double.layer(), { excludeTestServices: true })((it) => {
    it.effect("ls lists every sandbox with its status, as a table and as JSON", () =>
      Effect.gen(function*() {
        yield* detached("ls-running")
        yield* detached("ls-stopped")
        yield* (yield* Sandbox.get("ls-stopped")).stop()

        const text = yield* runCli(["ls", ...lib])
        expect(text.code).toBe(0)
        const rows = text.stdout.trim().split("\n").map((l) => l.split(/\s+/))
        expect(rows[0]).toEqual(["NAME", "STATUS", "CREATED"])
        expect(rows).toContainEqual(["ls-running", "running", expect.stringMatching(/^\d{4}-/)])
        expect(rows).toContainEqual(["ls-stopped", "stopped", expect.stringMatching(/^\d{4}-/)])

        const json = yield* runCli(["ls", "--json", ...lib])
        expect(json.code).toBe(0)
        const listed = JSON.parse(json.stdout) as Array<{ name: string; status: string }>
        const listedByLibrary = yield* Sandbox.list
        expect(listed.map((s) => [s.name, s.status])).toEqual(listedByLibrary.map((h) => [h.name, h.status]))
      }))

    it.effect("logs prints a sandbox's output, stderr lines on stderr; --tail keeps the last entries", () =>
      Effect.gen(function*() {
        yield* Effect.scoped(Effect.gen(function*() {
          const sb = yield* Sandbox.make("logs-cli", SandboxConfig.image("alpine"), SandboxConfig.detached())
          yield* sb.exec("sh", ["-c", "echo first-out; echo first-err >&2"])
          yield* sb.exec("sh", ["-c", "echo second-out"])
        }))
        const all = yield* runCli(["logs", "logs-cli", ...lib])
        expect(all.code).toBe(0)
        expect(all.stdout.split("\n")).toEqual(expect.arrayContaining(["first-out", "second-out"]))
        expect(all.stdout.indexOf("first-out")).toBeLessThan(all.stdout.indexOf("second-out"))
        expect(all.stderr).toContain("first-err")
        expect(all.stdout).not.toContain("first-err")

        const last = yield* runCli(["logs", "logs-cli", "--tail", "1", ...lib])
        expect(last.code).toBe(0)
        expect(last.stdout).toContain("second-out")
        expect(last.stdout).not.toContain("first-out")
      }))

    it.effect("logs --follow prints the history, then output written later, until interrupted; then its stream is closed", () =>
      Effect.gen(function*() {
        yield* Effect.scoped(Effect.gen(function*() {
          const sb = yield* Sandbox.make(
            "follow-cli",
            SandboxConfig.image("alpine"),
            SandboxConfig.detached()
          )
          yield* sb.exec("sh", ["-c", "echo before-follow"])
        }))
        const output = { stdout: "", stderr: "" }
        const follower = yield* Effect.fork(runCliWatched(["logs", "follow-cli", "--follow", ...lib], output))
        expect(yield* Double.eventually(() => output.stdout.includes("before-follow"))).toBe(true)
        const handle = yield* Sandbox.get("follow-cli")
        yield* Effect.scoped(
          Effect.flatMap(handle.connect, (sb) => sb.exec("sh", ["-c", "echo after-follow"]))
        )
        expect(yield* Double.eventually(() => output.stdout.includes("after-follow"))).toBe(true)
        expect(Double.counters().handles.log).toBe(1)
        yield* Fiber.interrupt(follower)
        expect(Double.counters().handles.log).toBe(0)
        // each line once: the stream resumed after the history's last entry
        expect(output.stdout).toBe("before-follow\nafter-follow\n")
        yield* handle.stop()
      }))

    it.effect("stop stops a running sandbox; rm removes a stopped one and refuses a running one unless --force", () =>
      Effect.gen(function*() {
        yield* detached("stop-cli")
        const stopped = yield* runCli(["stop", "stop-cli", ...lib])
        expect(stopped).toMatchObject({ code: 0, stdout: "stopped stop-cli\n" })
        expect(yield* statusOf("stop-cli")).toBe("stopped")
        expect((yield* runCli(["stop", "stop-cli", ...lib])).stdout).toBe("stop-cli is already stopped\n")

        const removed = yield* runCli(["rm", "stop-cli", ...lib])
        expect(removed).toMatchObject({ code: 0, stdout: "removed stop-cli\n" })
        expect((yield* Sandbox.list).map((h) => h.name)).not.toContain("stop-cli")

        yield* detached("rm-running")
        const refused = yield* runCli(["rm", "rm-running", ...lib])
        expect(refused.code).toBe(1)
        expect(refused.stderr).toContain("SandboxStillRunning")
        expect(yield* statusOf("rm-running")).toBe("running")
        const forced = yield* runCli(["rm", "rm-running", "--force", ...lib])
        expect(forced).toMatchObject({ code: 0, stdout: "removed rm-running\n" })
        expect((yield* Sandbox.list).map((h) => h.name)).not.toContain("rm-running")
      }))

    it.effect("a sandbox that does not exist is a failed operation (exit 1), not a crash", () =>
      Effect.gen(function*() {
        for (const command of [["logs"], ["stop"], ["rm"]]) {
          const out = yield* runCli([...command, "no-such-sandbox", ...lib])
          expect(out.code).toBe(1)
          expect(out.stderr).toMatch(/^SandboxNotFound: /)
        }
      }))
  })
})

describe("effect-microsandbox arguments", () => {
  it.effect("invalid arguments exit 2 with the reason and run nothing", () =>
    Effect.gen(function*() {
      const cases: Array<[ReadonlyArray<string>, string]> = [
        [
          ["install", "--library", "--skip-download"],
          "--library expects a path, got the option '--skip-download'"
        ],
        [["install", "--bogus"], "--bogus"],
        [["logs"], "Missing argument <name>"],
        [["logs", "x", "--tail", "0"], "--tail must be positive"],
        [["logs", "x", "--tail", "many"], "many"],
        [["stop", "x", "--timeout", "-1"], "--timeout must be >= 0"],
        [["ls", "--library"], "--library"],
        [["nonsense"], "Invalid subcommand"]
      ]
      for (const [args, reason] of cases) {
        const out = yield* runCli(args)
        expect({ args, code: out.code }).toEqual({ args, code: 2 })
        expect(out.stderr).toContain(reason)
        expect(out.stdout).toBe("")
      }
    }))

  it.effect("--help lists every command; --completions prints a shell script", () =>
    Effect.gen(function*() {
      const help = yield* runCli(["--help"])
      expect(help.code).toBe(0)
      for (const command of ["doctor", "install", "version", "ls", "logs", "stop", "rm"]) {
        expect(help.stdout).toMatch(new RegExp(`- ${command}\\b`))
      }
      const logsHelp = yield* runCli(["logs", "--help"])
      expect(logsHelp.stdout).toContain("--follow")
      const bash = yield* runCli(["--completions", "bash"])
      expect(bash.code).toBe(0)
      expect(bash.stdout).toContain("complete -F")
      expect(bash.stdout).toContain("logs")
    }))

  it.effect("version prints the runtime version this SDK implements", () =>
    Effect.gen(function*() {
      const out = yield* runCli(["version"])
      expect(out).toEqual({ code: 0, stdout: "0.6.14\n", stderr: "" })
    }))

  it.effect("doctor --json reports the same checks as the text report, with remedies for failures", () =>
    Effect.gen(function*() {
      const text = yield* runCli(["doctor"])
      const json = yield* runCli(["doctor", "--json"])
      const report = JSON.parse(json.stdout) as {
        ok: boolean
        checks: Array<{ check: string; ok: boolean; detail: string; remedy?: string }>
      }
      expect(json.code).toBe(report.ok ? 0 : 1)
      expect(text.code).toBe(json.code)
      expect(report.checks.map((c) => c.check)).toEqual(
        text.stdout.split("\n").filter((l) => /^(ok  |FAIL) /.test(l)).map((l) => l.slice(5).split(/\s+/)[0])
      )
      for (const c of report.checks) expect(c.remedy === undefined).toBe(c.ok)
      // this test file's MSB_HOME is fresh and MICROSANDBOX_FFI_PATH is unset: no library
      expect(report.checks.find((c) => c.check === "library")?.ok).toBe(false)
    }))
})
