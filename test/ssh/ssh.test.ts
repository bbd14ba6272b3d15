import { describe, expect, it as plain, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import koffi from "koffi"
import { spawn } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as Ssh from "../../src/Ssh.js"
import * as Double from "../support/double.js"

class Box extends Context.Tag("test/SshBox")<Box, Sandbox.Sandbox>() {}
const BoxLive = Sandbox.layer(Box, "ssh-box", SandboxConfig.image("alpine"), SandboxConfig.shell("/bin/sh"))

const calls = (fn: string) => Double.counters().calls[fn] ?? 0
const handles = (ns: string) => Double.counters().handles[ns] ?? 0

// Direct calls into the double, bypassing the library (its own answer on a closed handle).
const lib = koffi.load(Double.libraryPath)
const cancelAlloc = lib.func("uint64_t msb_cancel_alloc()")
const freeString = lib.func("void msb_free_string(void * ptr)")
const rawExec = lib.func(
  "void * msb_ssh_client_exec(uint64_t cid, uint64_t h, const char * cmd, const char * opts, uint8_t * buf, uintptr_t len)"
)
const rawRead = lib.func(
  "void * msb_sftp_read(uint64_t cid, uint64_t h, const char * path, uint8_t * buf, uintptr_t len)"
)
const rawError = (f: (cid: bigint, buf: Buffer) => unknown): { kind: string; message: string } => {
  const buf = Buffer.alloc(1 << 16)
  const err = f(cancelAlloc() as bigint, buf)
  if (!err) return { kind: "ok", message: buf.toString("utf8", 0, buf.indexOf(0)) }
  const text = koffi.decode(err, "char", -1) as string
  freeString(err)
  return JSON.parse(text)
}
/** The newest native handle of a namespace: its counter starts at 1 and grows with every successful open. */
const lastHandle = (ns: "ssh_client" | "sftp") =>
  BigInt(Double.counters().succeeded[ns === "sftp" ? "msb_ssh_client_sftp" : "msb_sandbox_ssh_connect"] ?? 0)

const keysDir = mkdtempSync(join(tmpdir(), "msb-ssh-keys-"))
const authorizedKeys = join(keysDir, "authorized_keys")
writeFileSync(
  authorizedKeys,
  "# test keys\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0nL0rdtestkeytestkeytestkeytestkey user@test\n"
)

// Runs a fixture under `script`, which gives it a real pseudo-terminal.
const underPty = (name: string, input: ReadonlyArray<string>) =>
  Effect.async<{ code: number | null; output: string }>((resume) => {
    const child = join(process.cwd(), "test", "fixtures", "ssh-attach-child.ts")
    const cmd = `${process.execPath} --import tsx ${child} ${name}`
    const proc = spawn("script", ["-q", "-f", "-e", "-c", cmd, "/dev/null"], {
      env: process.env,
      stdio: ["pipe", "pipe", "inherit"]
    })
    let output = ""
    let sent = 0
    proc.stdout.on("data", (d: Buffer) => {
      output += d.toString()
      if (sent < input.length && /[$#] $/.test(output.trimEnd() + " ")) proc.stdin.write(input[sent++]!)
    })
    const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000)
    proc.on("exit", (code) => {
      clearTimeout(timer)
      resume(Effect.succeed({ code, output }))
    })
    return Effect.sync(() => proc.kill("SIGKILL"))
  })

// Runs the serve fixture with piped stdio: what the server wrote to stdout, and its outcome.
const serveChild = (name: string, hostKey: string, clientLine: string | null) =>
  Effect.async<{ stdout: string; result: string }>((resume) => {
    const child = join(process.cwd(), "test", "fixtures", "ssh-serve-child.ts")
    const proc = spawn(process.execPath, ["--import", "tsx", child, name, authorizedKeys, hostKey], {
      env: process.env,
      stdio: ["pipe", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    proc.stdout.on("data", (d: Buffer) => {
      stdout += d.toString()
      // Answer the server's identification line like an SSH client (or hang up).
      if (stdout.includes("\r\n") && !proc.stdin.writableEnded) {
        if (clientLine !== null) proc.stdin.write(clientLine)
        proc.stdin.end()
      }
    })
    proc.stderr.on("data", (d: Buffer) => void (stderr += d.toString()))
    const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000)
    proc.on("exit", () => {
      clearTimeout(timer)
      resume(
        Effect.succeed({ stdout, result: /serve-result=(.*)/.exec(stderr)?.[1] ?? `no result: ${stderr}` })
      )
    })
    return Effect.sync(() => proc.kill("SIGKILL"))
  })

describe("Ssh", () => {
  layer(Layer.provideMerge(BoxLive, Double.layer()), { excludeTestServices: true })((it) => {
    it.scoped("exec: status, stdout and stderr as bytes and text, through the sandbox's shell", () =>
      Effect.gen(function*() {
        const sb = yield* Box
        const client = yield* sb.ssh.openClient()
        const out = yield* client.exec("echo out; echo err >&2; exit 3")
        expect(out).toBeInstanceOf(Ssh.SshOutput)
        expect([out.status, out.stdoutText, out.stderrText, out.success]).toEqual([
          3,
          "out\n",
          "err\n",
          false
        ])
        expect(out.stdout).toBeInstanceOf(Uint8Array)
        const ok = yield* client.pipe(Ssh.exec("printf '\\000\\377\\n'"))
        expect([ok.status, Array.from(ok.stdout), ok.success]).toEqual([0, [0, 255, 10], true])
        // Shell syntax works: the command is `<shell> -c command`.
        expect((yield* Ssh.exec(client, "a=6; echo $((a * 7)) | tr -d '\\n'")).stdoutText).toBe("42")
        // A command the shell cannot find is its 127, not an error.
        const missing = yield* client.exec("definitely-not-a-command-xyz")
        expect(missing.status).toBe(127)
        expect(missing.stderrText).toContain("not found")
      }))

    it.scoped("exec with tty: a terminal, TERM from the client options, stderr merged into stdout", () =>
      Effect.gen(function*() {
        const sb = yield* Box
        const client = yield* sb.ssh.openClient({ term: "vt220" })
        const out = yield* client.exec("[ -t 1 ] && echo tty; echo $TERM; echo oops >&2", { tty: true })
        expect(out.stdoutText.replace(/\r/g, "")).toBe("tty\nvt220\noops\n")
        expect(out.stderr.length).toBe(0)
        const plain = yield* client.exec("[ -t 1 ] && echo tty || echo notty")
        expect(plain.stdoutText).toBe("notty\n")
      }))

    it.scoped("SFTP: whole-file read and write, mkdir, rename, remove, symlinks, real paths", () =>
      Effect.gen(function*() {
        const sb = yield* Box
        const client = yield* sb.ssh.openClient()
        const sftp = yield* client.sftp
        yield* sftp.mkdir("/srv/a/b")
        yield* sftp.write("/srv/a/b/hello.txt", "héllo")
        expect(yield* sftp.readString("/srv/a/b/hello.txt")).toBe("héllo")
        // The same file, seen through the guest filesystem API.
        expect(yield* sb.fs.readString("/srv/a/b/hello.txt")).toBe("héllo")
        const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256)
        yield* sftp.pipe(Ssh.write("/srv/bin.dat", bytes))
        expect(Buffer.compare(Buffer.from(yield* Ssh.read(sftp, "/srv/bin.dat")), Buffer.from(bytes))).toBe(0)
        yield* sftp.write("/srv/bin.dat", "short")
        expect(yield* sftp.readString("/srv/bin.dat")).toBe("short")
        yield* sftp.rename("/srv/bin.dat", "/srv/a/moved.dat")
        expect(yield* sb.fs.exists("/srv/bin.dat")).toBe(false)
        expect(yield* sftp.readString("/srv/a/moved.dat")).toBe("short")
        yield* sftp.symlink("/srv/a/b", "/srv/link")
        expect(yield* sftp.readLink("/srv/link")).toBe("/srv/a/b")
        expect(yield* sftp.realPath("/srv/link/hello.txt")).toBe("/srv/a/b/hello.txt")
        expect(yield* sftp.realPath("/srv/a/../a/b/./")).toBe("/srv/a/b")
        expect(yield* sftp.realPath("/srv/link/not-yet")).toBe("/srv/a/b/not-yet")
        // Relative paths resolve against the working directory (here /).
        expect(yield* sftp.readString("srv/a/moved.dat")).toBe("short")
        yield* sftp.removeFile("/srv/a/moved.dat")
        expect(yield* sb.fs.exists("/srv/a/moved.dat")).toBe(false)
        yield* sftp.removeFile("/srv/link")
        yield* sftp.removeFile("/srv/a/b/hello.txt")
        yield* sftp.removeDir("/srv/a/b")
        expect(yield* sb.fs.exists("/srv/a/b")).toBe(false)
      }))

    it.scoped("SFTP failures: PathNotFound for a missing path, Internal with the runtime's step otherwise", () =>
      Effect.gen(function*() {
        const sb = yield* Box
        const sftp = yield* Effect.flatMap(sb.ssh.openClient(), (c) => c.sftp)
        const missing = yield* Effect.flip(sftp.read("/nope/missing.txt"))
        expect(missing._tag).toBe("PathNotFound")
        if (missing._tag === "PathNotFound") {
          expect(missing.path).toBe("/nope/missing.txt")
          expect(missing.message).toMatch(/^SFTP read: /)
        }
        expect((yield* Effect.flip(sftp.write("/nope/x.txt", "x")))._tag).toBe("PathNotFound")
        yield* sftp.mkdir("/full/sub")
        const notEmpty = yield* Effect.flip(sftp.removeDir("/full"))
        expect([notEmpty._tag, notEmpty.message]).toEqual(["Internal", "SFTP remove dir: Failure: Failure"])
        const dirAsFile = yield* Effect.flip(sftp.removeFile("/full"))
        expect([dirAsFile._tag, dirAsFile.message]).toEqual([
          "Internal",
          "SFTP remove file: Failure: Failure"
        ])
        const notALink = yield* Effect.flip(sftp.readLink("/full"))
        expect(notALink.message).toBe("SFTP readlink: Failure: Failure")
        const nul = yield* Effect.flip(sftp.read("/a\u0000b"))
        expect(nul._tag).toBe("InvalidArgument")
      }))

    it.scoped("invalid options and inputs fail before any native call", () =>
      Effect.gen(function*() {
        const sb = yield* Box
        const before = calls("msb_sandbox_ssh_connect")
        const invalidOptions: ReadonlyArray<Ssh.ClientOptions> = [
          { user: "" },
          { term: "a\u0000b" },
          { inactivityTimeout: Infinity },
          { inactivityTimeout: -1 },
          { inactivityTimeout: "-5 seconds" }
        ]
        for (const options of invalidOptions) {
          expect((yield* Effect.flip(sb.ssh.openClient(options)))._tag).toBe("InvalidArgument")
        }
        expect(calls("msb_sandbox_ssh_connect")).toBe(before)
        const client = yield* sb.ssh.openClient({
          user: "root",
          inactivityTimeout: "1500 millis",
          sftp: true
        })
        const execs = calls("msb_ssh_client_exec")
        expect((yield* Effect.flip(client.exec("echo \u0000")))._tag).toBe("InvalidArgument")
        expect(calls("msb_ssh_client_exec")).toBe(execs)
        expect((yield* Effect.flip(sb.ssh.prepareServer({ hostKeyPath: "" })))._tag).toBe("InvalidArgument")
      }))

    it.scoped("with SFTP disabled, opening a session is the runtime's Internal error and leaks nothing", () =>
      Effect.gen(function*() {
        const sb = yield* Box
        const client = yield* sb.ssh.openClient({ sftp: false })
        const error = yield* Effect.flip(client.sftp)
        expect([error._tag, error.message]).toEqual(["Internal", "SSH SFTP subsystem failed"])
        expect(handles("sftp")).toBe(0)
        expect((yield* client.exec("echo still")).stdoutText).toBe("still\n")
      }))

    it.effect("scope release closes the client and its session exactly once, sessions first", () =>
      Effect.gen(function*() {
        const sb = yield* Box
        const closes = [calls("msb_ssh_client_close"), calls("msb_sftp_close")]
        yield* Effect.scoped(Effect.gen(function*() {
          const client = yield* sb.ssh.openClient()
          const sftp = yield* client.sftp
          yield* sftp.write("/tmp/scoped.txt", "1")
          expect([handles("ssh_client"), handles("sftp")]).toEqual([1, 1])
        }))
        expect([handles("ssh_client"), handles("sftp")]).toEqual([0, 0])
        expect([calls("msb_ssh_client_close") - closes[0]!, calls("msb_sftp_close") - closes[1]!]).toEqual([
          1,
          1
        ])
        // An explicit close is the only close: the Scope then leaves it alone; on failure too.
        const exit = yield* Effect.exit(Effect.scoped(Effect.gen(function*() {
          const client = yield* sb.ssh.openClient()
          const sftp = yield* client.sftp
          yield* sftp.close
          yield* client.close
          return yield* Effect.fail("boom")
        })))
        expect(Exit.isFailure(exit)).toBe(true)
        expect([calls("msb_ssh_client_close") - closes[0]!, calls("msb_sftp_close") - closes[1]!]).toEqual([
          2,
          2
        ])
        expect([handles("ssh_client"), handles("sftp")]).toEqual([0, 0])
      }))

    it.scoped("use after close: InvalidHandle from the library, and from the runtime for the raw handle", () =>
      Effect.gen(function*() {
        const sb = yield* Box
        const scope = yield* Scope.make()
        const client = yield* Scope.extend(sb.ssh.openClient(), scope)
        const clientHandle = lastHandle("ssh_client")
        const sftp = yield* Scope.extend(client.sftp, scope)
        const sftpHandle = lastHandle("sftp")
        yield* sftp.close
        const execs = calls("msb_ssh_client_exec")
        const afterSftp = yield* Effect.flip(sftp.read("/tmp/x"))
        expect([afterSftp._tag, afterSftp.message]).toEqual([
          "InvalidHandle",
          "SFTP session handle already closed"
        ])
        expect((yield* Effect.flip(sftp.close))._tag).toBe("InvalidHandle")
        const sftp2 = yield* Scope.extend(client.sftp, scope)
        yield* client.close
        expect((yield* Effect.flip(client.exec("true")))._tag).toBe("InvalidHandle")
        expect((yield* Effect.flip(client.sftp))._tag).toBe("InvalidHandle")
        expect((yield* Effect.flip(client.close))._tag).toBe("InvalidHandle")
        expect(calls("msb_ssh_client_exec")).toBe(execs)
        // A session whose client disconnected fails in the runtime (SFTP errors are internal).
        const orphaned = yield* Effect.flip(sftp2.read("/tmp/x"))
        expect([orphaned._tag, orphaned.message]).toEqual([
          "Internal",
          "SFTP read: SendError: channel closed"
        ])
        yield* Scope.close(scope, Exit.void)
        expect([handles("ssh_client"), handles("sftp")]).toEqual([0, 0])
        // The runtime's own answer for the closed numbers.
        const raw = rawError((cid, buf) => rawExec(cid, clientHandle, "true", "{}", buf, buf.length))
        expect(raw).toEqual({ kind: "invalid_handle", message: `unknown sandbox handle: ${clientHandle}` })
        const rawSftp = rawError((cid, buf) => rawRead(cid, sftpHandle, "/tmp/x", buf, buf.length))
        expect(rawSftp.kind).toBe("invalid_handle")
      }))

    it.scoped("calls on one client are serialised: a second exec starts after the first ends", () =>
      Effect.gen(function*() {
        const sb = yield* Box
        const client = yield* sb.ssh.openClient()
        const span = "date +%s%N; sleep 0.2; date +%s%N"
        const [a, b] = yield* Effect.all([client.exec(span), client.exec(span)], { concurrency: 2 })
        const [a0, a1] = a.stdoutText.trim().split("\n").map(BigInt)
        const [b0, b1] = b.stdoutText.trim().split("\n").map(BigInt)
        const [first, second] = a0! < b0! ? [[a0!, a1!], [b0!, b1!]] : [[b0!, b1!], [a0!, a1!]]
        expect(second[0]! >= first[1]!).toBe(true)
        // Two clients are independent: each command waits (up to 10 s) for the other to have started.
        const other = yield* sb.ssh.openClient()
        const meet = (me: string, peer: string) =>
          `touch ${me}; for i in $(seq 500); do [ -e ${peer} ] && exit 0; sleep 0.02; done; exit 1`
        const [c, d] = yield* Effect.all([
          client.exec(meet("ssh-meet-a", "ssh-meet-b")),
          other.exec(meet("ssh-meet-b", "ssh-meet-a"))
        ], {
          concurrency: 2
        })
        expect([c.status, d.status]).toEqual([0, 0])
      }))

    it.scoped("interruption: a running exec and one waiting behind it both stop; the client stays usable", () =>
      Effect.gen(function*() {
        const sb = yield* Box
        const client = yield* sb.ssh.openClient()
        const running = yield* Effect.fork(client.exec("sleep 30; echo never"))
        yield* Double.eventually(() => (Double.counters().in_flight.msb_ssh_client_exec ?? 0) === 1)
        const waiting = yield* Effect.fork(client.exec("echo waited"))
        yield* Double.eventually(() => (Double.counters().in_flight.msb_ssh_client_exec ?? 0) === 2)
        yield* Fiber.interrupt(waiting)
        expect(Double.counters().in_flight.msb_ssh_client_exec ?? 0).toBe(1)
        yield* Fiber.interrupt(running)
        expect(Double.counters().in_flight.msb_ssh_client_exec ?? 0).toBe(0)
        expect((yield* client.exec("echo after")).stdoutText).toBe("after\n")
        expect(Double.counters().cancel_ids.registered).toBe(0)
      }))

    it.scoped("interrupting openClient leaks no client, also when the runtime completes after all", () =>
      Effect.gen(function*() {
        const sb = yield* Box
        yield* Double.fault({ fn: "msb_sandbox_ssh_connect", block: true, count: 1 })
        const blocked = yield* Effect.fork(sb.ssh.openClient())
        yield* Double.eventually(() => (Double.counters().in_flight.msb_sandbox_ssh_connect ?? 0) === 1)
        yield* Fiber.interrupt(blocked)
        expect(handles("ssh_client")).toBe(0)
        yield* Double.fault({ fn: "msb_sandbox_ssh_connect", hold_ms: 300, count: 1 })
        const closes = calls("msb_ssh_client_close")
        const held = yield* Effect.fork(sb.ssh.openClient())
        yield* Double.eventually(() => (Double.counters().in_flight.msb_sandbox_ssh_connect ?? 0) === 1)
        yield* Fiber.interrupt(held)
        // The orphaned client was closed once the call returned.
        expect(yield* Double.eventually(() => handles("ssh_client") === 0)).toBe(true)
        expect(calls("msb_ssh_client_close")).toBe(closes + 1)
        yield* Double.clearFaults
      }))

    it.scoped("attach without a terminal is NotATerminal and never reaches the runtime", () =>
      Effect.gen(function*() {
        const sb = yield* Box
        const client = yield* sb.ssh.openClient()
        const before = calls("msb_ssh_client_attach")
        expect((yield* Effect.flip(client.attach()))._tag).toBe("NotATerminal")
        expect((yield* Effect.flip(Ssh.attach(client, { detachKeys: "ctrl-q" })))._tag).toBe("NotATerminal")
        expect(calls("msb_ssh_client_attach")).toBe(before)
      }))

    it.scoped("the server endpoint: authorized keys required, host key created, closed exactly once", () =>
      Effect.gen(function*() {
        const sb = yield* Box
        const noKeys = yield* Effect.flip(
          sb.ssh.prepareServer({ authorizedKeysPath: join(keysDir, "absent") })
        )
        expect(noKeys._tag).toBe("Internal")
        expect(noKeys.message).toContain("SSH authorized keys not found at")
        const empty = join(keysDir, "empty_keys")
        writeFileSync(empty, "# nothing\n")
        const none = yield* Effect.flip(sb.ssh.prepareServer({ authorizedKeysPath: empty }))
        expect(none.message).toBe("SSH server has no authorized public keys")
        // The default authorized keys live in the runtime's home.
        const defaults = yield* Effect.flip(sb.ssh.prepareServer())
        expect(defaults.message).toContain(`${process.env.MSB_HOME}/ssh/authorized_keys`)
        const hostKey = join(keysDir, "nested", "host_ed25519")
        const closes = calls("msb_ssh_server_close")
        yield* Effect.scoped(Effect.gen(function*() {
          const server = yield* Ssh.prepareServer(sb, {
            authorizedKeysPath: authorizedKeys,
            hostKeyPath: hostKey
          })
          expect(server.sandbox).toBe("ssh-box")
          expect(handles("ssh_server")).toBe(1)
        }))
        expect(existsSync(hostKey)).toBe(true)
        expect(statSync(hostKey).mode & 0o777).toBe(0o600)
        expect([handles("ssh_server"), calls("msb_ssh_server_close") - closes]).toEqual([0, 1])
        mkdirSync(join(process.env.MSB_HOME!, "ssh"), { recursive: true })
        writeFileSync(join(process.env.MSB_HOME!, "ssh", "authorized_keys"), readFileSync(authorizedKeys))
        const server = yield* sb.ssh.prepareServer()
        yield* server.close
        expect((yield* Effect.flip(server.serve))._tag).toBe("InvalidHandle")
        expect(existsSync(`${process.env.MSB_HOME}/sandboxes/ssh-box/ssh/host_ed25519`)).toBe(true)
      }))
  })

  plain.effect(
    "serve speaks SSH on this process's stdout and reads the client from its stdin",
    () =>
      Effect.gen(function*() {
        const hostKey = join(keysDir, "serve_host_key")
        const talked = yield* serveChild("ssh-serve-a", hostKey, "SSH-2.0-OpenSSH_9.6\r\n")
        // stdout carried the server's identification line and nothing else.
        expect(talked.stdout).toBe("SSH-2.0-microsandbox_runtime_double\r\n")
        // The double stops after the identification exchange (README.md); the real runtime goes on.
        expect(talked.result).toMatch(/^UnsupportedOperation:.*OpenSSH_9\.6/)
        const hungUp = yield* serveChild("ssh-serve-b", hostKey, null)
        expect(hungUp.result).toBe("Internal:SSH server handshake: connection closed by the client")
      }),
    { timeout: 120_000 }
  )

  plain.effect(
    "attach bridges a real terminal to a shell over SSH and returns its status",
    () =>
      Effect.gen(function*() {
        const result = yield* underPty("ssh-attach", ["echo hello-over-ssh $TERM\n", "exit 5\n"])
        expect(result.output).toContain("hello-over-ssh vt100")
        expect(result.output).toContain("ssh-attach-exit=5")
        expect(result.code).toBe(0)
      }),
    { timeout: 120_000 }
  )
})

describe("Ssh documents", () => {
  plain("option documents carry the runtime's member names; the exec result decodes from base64", () => {
    expect(
      Schema.encodeSync(Ssh.ClientOptionsDocument)({ user: "app", sftp: false, inactivityTimeoutSecs: 2 })
    )
      .toEqual({ user: "app", sftp: false, inactivity_timeout_secs: 2 })
    expect(Schema.encodeSync(Ssh.ServerOptionsDocument)({ hostKeyPath: "/k", authorizedKeysPath: "/a" }))
      .toEqual({ host_key_path: "/k", authorized_keys_path: "/a" })
    expect(Schema.encodeSync(Ssh.AttachOptionsDocument)({ detachKeys: "ctrl-q" })).toEqual({
      detach_keys: "ctrl-q"
    })
    const out = Schema.decodeSync(Ssh.SshOutputFromDocument)({ status: 1, stdout: "aGk=", stderr: "" })
    expect([out.status, out.stdoutText, out.stderr.length]).toEqual([1, "hi", 0])
    expect(() => Schema.decodeSync(Ssh.SshOutputFromDocument)({ status: 1.5, stdout: "", stderr: "" }))
      .toThrow()
  })
})

// After the suite's Layer released its sandbox.
describe("Ssh, afterwards", () => {
  plain("leaves no handle, error string or cancel id behind", () => {
    const c = Double.counters()
    expect(c.handles).toEqual(Object.fromEntries(Object.keys(c.handles).map((k) => [k, 0])))
    expect(c.strings.outstanding).toBe(0)
    expect(c.cancel_ids.registered).toBe(0)
    expect(c.internal_bugs).toBe(0)
  })
})
