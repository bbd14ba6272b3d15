// The same FileSystem and Command programs run against the host (@effect/platform-node)
// and against a sandbox on the double (whose guest filesystem is its root folder and whose
// commands are host processes started in it), and their results are compared.
import * as NodeCommandExecutor from "@effect/platform-node/NodeCommandExecutor"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as Command from "@effect/platform/Command"
import * as CommandExecutor from "@effect/platform/CommandExecutor"
import type * as PlatformError from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import { describe, expect, it, layer } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { existsSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as PlatformFs from "../../src/internal/platform/fileSystem.js"
import * as MicrosandboxError from "../../src/MicrosandboxError.js"
import * as Sandbox from "../../src/Sandbox.js"
import * as SandboxCommandExecutor from "../../src/SandboxCommandExecutor.js"
import * as SandboxConfig from "../../src/SandboxConfig.js"
import * as SandboxFileSystem from "../../src/SandboxFileSystem.js"
import * as Double from "../support/double.js"

class Box extends Context.Tag("test/PlatformBox")<Box, Sandbox.Sandbox>() {}
const BoxLive = Sandbox.layer(Box, "platform-box", SandboxConfig.image("alpine"))

type Platform = FileSystem.FileSystem | CommandExecutor.CommandExecutor

const HostLive = Layer.provideMerge(NodeCommandExecutor.layer, NodeFileSystem.layer)
const guestLayer = (sandbox: Sandbox.Sandbox) =>
  Layer.merge(SandboxFileSystem.layer(sandbox), SandboxCommandExecutor.layer(sandbox))

let runs = 0
/** Runs `program` on the host (in a fresh temporary folder) and in the sandbox (in a fresh guest folder). */
const onBoth = <A, E>(program: (base: string) => Effect.Effect<A, E, Platform | Scope.Scope>) =>
  Effect.gen(function*() {
    const sandbox = yield* Box
    const hostBase = mkdtempSync(join(tmpdir(), "msb-platform-"))
    const guestBase = `/cmp-${++runs}`
    yield* sandbox.fs.mkdir(guestBase)
    const host = yield* Effect.scoped(program(hostBase)).pipe(Effect.provide(HostLive))
    const guest = yield* Effect.scoped(program(guestBase)).pipe(Effect.provide(guestLayer(sandbox)))
    return { host, guest, hostBase, guestBase }
  })

/** What a comparison looks at of a platform error. */
const shape = (e: PlatformError.PlatformError) =>
  e._tag === "SystemError" ? { _tag: e._tag, reason: e.reason } : { _tag: e._tag }

const flipShape = <A, R>(effect: Effect.Effect<A, PlatformError.PlatformError, R>) =>
  Effect.map(Effect.flip(effect), shape)

const text = (bytes: Chunk.Chunk<Uint8Array>) => Buffer.concat(Chunk.toReadonlyArray(bytes)).toString("utf8")

describe("the platform's reading of sandbox filesystem errors", () => {
  it("maps the guest's errno (as the runtime renders io errors) to the platform's reasons", () => {
    const reason = (message: string) => {
      const e = PlatformFs.toPlatformError("stat", "/x")(
        new MicrosandboxError.Filesystem({ message, operation: "SandboxFs.stat", path: "/x" })
      )
      return e._tag === "SystemError" ? [e.reason, e.module, e.method, e.pathOrDescriptor] : [e._tag]
    }
    expect(reason("stat: Permission denied (os error 13)")).toEqual([
      "PermissionDenied",
      "FileSystem",
      "stat",
      "/x"
    ])
    expect(reason("mkdir: File exists (os error 17)")[0]).toBe("AlreadyExists")
    expect(reason("readdir: Not a directory (os error 20)")[0]).toBe("BadResource")
    expect(reason("read: Is a directory (os error 21)")[0]).toBe("BadResource")
    expect(reason("remove_dir: Device or resource busy (os error 16)")[0]).toBe("Busy")
    expect(reason("rmdir: Directory not empty (os error 39)")[0]).toBe("Unknown")
    const missing = PlatformFs.toPlatformError("readFile", "/y")(
      new MicrosandboxError.PathNotFound({ message: "No such file", operation: "SandboxFs.read", path: "/y" })
    )
    expect(missing._tag === "SystemError" && missing.reason).toBe("NotFound")
    const invalid = PlatformFs.toPlatformError("readFile", "y")(
      new MicrosandboxError.InvalidArgument({
        message: "guest path must be absolute",
        operation: "SandboxFs.read"
      })
    )
    expect(invalid._tag).toBe("BadArgument")
    const stopped = PlatformFs.toPlatformError("readFile", "/y")(
      new MicrosandboxError.SandboxNotRunning({ message: "not running", operation: "SandboxFs.read" })
    )
    expect(stopped._tag === "SystemError" && [stopped.reason, (stopped.cause as { _tag: string })._tag])
      .toEqual([
        "Unknown",
        "SandboxNotRunning"
      ])
  })

  it("resolves relative guest paths lexically, never above the root", () => {
    expect(PlatformFs.resolve("/app", "a/./b/../c")).toBe("/app/a/c")
    expect(PlatformFs.resolve("/app", "../../../etc")).toBe("/etc")
    expect(PlatformFs.resolve("/app", "/abs//x/")).toBe("/abs/x")
    expect(PlatformFs.resolve("/", ".")).toBe("/")
  })
})

describe("platform interfaces over a sandbox, compared with the host's", () => {
  layer(Layer.provideMerge(BoxLive, Double.layer()), { excludeTestServices: true })((it) => {
    it.effect("FileSystem: write, read, directories, stat, rename, copy, remove", () =>
      Effect.gen(function*() {
        const { guest, host } = yield* onBoth((base) =>
          Effect.gen(function*() {
            const fs = yield* FileSystem.FileSystem
            const p = (s: string) => `${base}/${s}`
            yield* fs.makeDirectory(p("d/e/f"), { recursive: true })
            yield* fs.makeDirectory(p("d/e/f"), { recursive: true })
            yield* fs.makeDirectory(p("d/g"))
            yield* fs.writeFileString(p("d/a.txt"), "héllo")
            yield* fs.writeFile(p("d/e/b.bin"), new Uint8Array([0, 255, 10]))
            const read = [
              yield* fs.readFileString(p("d/a.txt")),
              Array.from(yield* fs.readFile(p("d/e/b.bin")))
            ]
            const top = (yield* fs.readDirectory(p("d"))).sort()
            const all = (yield* fs.readDirectory(p("d"), { recursive: true })).sort()
            const st = yield* fs.stat(p("d/a.txt"))
            const stat = [st.type, st.size, Option.isSome(st.mtime), (yield* fs.stat(p("d"))).type]
            const exists = [
              yield* fs.exists(p("d/a.txt")),
              yield* fs.exists(p("nope")),
              yield* fs.exists(p("d"))
            ]
            yield* fs.access(p("d/a.txt"))
            yield* fs.rename(p("d/a.txt"), p("d/renamed.txt"))
            yield* fs.copyFile(p("d/renamed.txt"), p("d/copy.txt"))
            yield* fs.copy(p("d/e"), p("d/e2"))
            const copied = [
              yield* fs.readFileString(p("d/copy.txt")),
              Array.from(yield* fs.readFile(p("d/e2/b.bin"))),
              (yield* fs.readDirectory(p("d"))).sort()
            ]
            yield* fs.remove(p("d/copy.txt"))
            yield* fs.remove(p("d/e2"), { recursive: true })
            yield* fs.remove(p("d/nothing"), { force: true })
            const afterRemove = (yield* fs.readDirectory(p("d"), { recursive: true })).sort()
            yield* fs.writeFileString(p("log.txt"), "one\n")
            yield* fs.writeFileString(p("log.txt"), "two\n", { flag: "a" })
            const appended = yield* fs.readFileString(p("log.txt"))
            yield* fs.truncate(p("log.txt"), 2)
            const truncated = yield* fs.readFileString(p("log.txt"))
            return { read, top, all, stat, exists, copied, afterRemove, appended, truncated }
          })
        )
        expect(guest).toEqual(host)
        // The values are the ones expected (not just equal to each other).
        expect(guest.top).toEqual(["a.txt", "e", "g"])
        expect(guest.all).toEqual(["a.txt", "e", "e/b.bin", "e/f", "g"])
        expect(guest.stat).toEqual(["File", 6n, true, "Directory"])
        expect(guest.copied[2]).toEqual(["copy.txt", "e", "e2", "g", "renamed.txt"])
        expect([guest.appended, guest.truncated]).toEqual(["one\ntwo\n", "on"])
      }))

    it.effect("FileSystem: temporary directories and files, removed with their Scope", () =>
      Effect.gen(function*() {
        const { guest, host } = yield* onBoth((base) =>
          Effect.gen(function*() {
            const fs = yield* FileSystem.FileSystem
            const inside = yield* Effect.scoped(Effect.gen(function*() {
              const dir = yield* fs.makeTempDirectoryScoped({ directory: base, prefix: "t-" })
              const file = yield* fs.makeTempFileScoped({ directory: base, suffix: ".txt" })
              yield* fs.writeFileString(`${dir}/x`, "x")
              return {
                dir,
                file,
                dirOk: dir.startsWith(`${base}/t-`),
                fileOk: file.startsWith(`${base}/`) && file.endsWith(".txt"),
                fileEmpty: yield* fs.readFileString(file),
                exist: [yield* fs.exists(dir), yield* fs.exists(file)]
              }
            }))
            const plain = yield* fs.makeTempDirectory({ directory: base })
            return {
              dirOk: inside.dirOk,
              fileOk: inside.fileOk,
              fileEmpty: inside.fileEmpty,
              existInside: inside.exist,
              existAfter: [yield* fs.exists(inside.dir), yield* fs.exists(inside.file)],
              plainKept: yield* fs.exists(plain),
              listing: (yield* fs.readDirectory(base)).length
            }
          })
        )
        expect(guest).toEqual(host)
        expect(guest).toEqual({
          dirOk: true,
          fileOk: true,
          fileEmpty: "",
          existInside: [true, true],
          existAfter: [false, false],
          plainKept: true,
          listing: 1
        })
      }))

    it.effect("FileSystem: errors are the platform's, with the same reasons", () =>
      Effect.gen(function*() {
        const { guest, host } = yield* onBoth((base) =>
          Effect.gen(function*() {
            const fs = yield* FileSystem.FileSystem
            const p = (s: string) => `${base}/${s}`
            yield* fs.makeDirectory(p("dir"))
            yield* fs.writeFileString(p("dir/f"), "x")
            return {
              readFile: yield* flipShape(fs.readFile(p("missing.txt"))),
              readFileString: yield* flipShape(fs.readFileString(p("missing.txt"))),
              stat: yield* flipShape(fs.stat(p("missing"))),
              readDirectory: yield* flipShape(fs.readDirectory(p("missing"))),
              remove: yield* flipShape(fs.remove(p("missing"))),
              access: yield* flipShape(fs.access(p("missing"))),
              rename: yield* flipShape(fs.rename(p("missing"), p("other"))),
              mkdirExisting: yield* flipShape(fs.makeDirectory(p("dir"))),
              mkdirNoParent: yield* flipShape(fs.makeDirectory(p("no/parent"))),
              writeExclusive: yield* flipShape(fs.writeFileString(p("dir/f"), "y", { flag: "wx" })),
              readDirectoryOfFile: yield* flipShape(fs.readDirectory(p("dir/f"))),
              stream: yield* flipShape(Stream.runDrain(fs.stream(p("missing")))),
              untouched: yield* fs.readFileString(p("dir/f"))
            }
          })
        )
        expect(guest).toEqual(host)
        expect(guest.readFile).toEqual({ _tag: "SystemError", reason: "NotFound" })
        expect(guest.mkdirExisting).toEqual({ _tag: "SystemError", reason: "AlreadyExists" })
      }))

    it.effect("FileSystem: streams and sinks, across the runtime's chunks", () =>
      Effect.gen(function*() {
        // Larger than one runtime response and than one streamed chunk (3 MiB on the double).
        const size = 7 * 1024 * 1024 + 123
        const data = new Uint8Array(size)
        for (let i = 0; i < size; i++) data[i] = (i * 31 + (i >> 11)) & 0xff
        const { guest, host } = yield* onBoth((base) =>
          Effect.gen(function*() {
            const fs = yield* FileSystem.FileSystem
            const p = `${base}/big.bin`
            const pieces = Stream.fromIterable([
              data.subarray(0, 1000),
              data.subarray(1000, 5_000_000),
              data.subarray(5_000_000)
            ])
            yield* Stream.run(pieces, fs.sink(p))
            const whole = yield* fs.readFile(p)
            const part = yield* fs.stream(p, {
              offset: 3 * 1024 * 1024 - 7,
              bytesToRead: 3 * 1024 * 1024 + 11
            }).pipe(
              Stream.runCollect,
              Effect.map((c) => Buffer.concat(Chunk.toReadonlyArray(c)))
            )
            const head = yield* fs.stream(p, { bytesToRead: 10 }).pipe(
              Stream.runCollect,
              Effect.map((c) => Array.from(Buffer.concat(Chunk.toReadonlyArray(c))))
            )
            return {
              size: (yield* fs.stat(p)).size,
              wholeEqual: Buffer.compare(whole, data) === 0,
              partLength: part.length,
              partEqual: Buffer.compare(part, data.subarray(3 * 1024 * 1024 - 7, 6 * 1024 * 1024 + 4)) === 0,
              head
            }
          })
        )
        expect(guest).toEqual(host)
        expect(guest).toEqual({
          size: BigInt(size),
          wholeEqual: true,
          partLength: 3 * 1024 * 1024 + 11,
          partEqual: true,
          head: Array.from(data.subarray(0, 10))
        })
      }))

    it.effect("Command: string, lines, exitCode, env, shell, pipelines, stdin", () =>
      Effect.gen(function*() {
        const { guest, host } = yield* onBoth((base) =>
          Effect.gen(function*() {
            const fs = yield* FileSystem.FileSystem
            yield* fs.writeFileString(`${base}/in.txt`, "one\ntwo\n")
            const cmd = (command: string, ...args: Array<string>) =>
              Command.make(command, ...args).pipe(Command.workingDirectory(base))
            return {
              string: yield* Command.string(cmd("cat", "in.txt")),
              lines: yield* Command.lines(cmd("sh", "-c", "printf 'a\\nb\\n'; echo ignored >&2")),
              exitCodes: [
                yield* Command.exitCode(cmd("sh", "-c", "exit 3")),
                yield* Command.exitCode(cmd("true"))
              ],
              env: yield* Command.string(
                cmd("sh", "-c", "echo $FOO-$BAR").pipe(Command.env({ FOO: "foo", BAR: "bar" }))
              ),
              shell: yield* Command.string(cmd("echo", "$((1 + 2))").pipe(Command.runInShell(true))),
              pipeline: yield* Command.lines(
                cmd("cat", "in.txt").pipe(
                  Command.pipeTo(cmd("sort", "-r")),
                  Command.pipeTo(cmd("tr", "a-z", "A-Z"))
                )
              ),
              fed: yield* Command.string(cmd("tr", "a-z", "A-Z").pipe(Command.feed("fed text\n"))),
              streamed: yield* Command.string(
                cmd("wc", "-c").pipe(
                  Command.stdin(Stream.make(new Uint8Array(70_000), new Uint8Array(30_000)))
                )
              ),
              streamLines: yield* Command.streamLines(cmd("seq", "1", "5")).pipe(
                Stream.runCollect,
                Effect.map(Chunk.toReadonlyArray)
              )
            }
          })
        )
        expect(guest).toEqual(host)
        expect(guest.string).toBe("one\ntwo\n")
        expect(guest.exitCodes).toEqual([3, 0])
        expect(guest.env).toBe("foo-bar\n")
        expect(guest.shell).toBe("3\n")
        expect(guest.pipeline).toEqual(["TWO", "ONE"])
        expect(guest.fed).toBe("FED TEXT\n")
        expect(guest.streamed.trim()).toBe("100000")
      }))

    it.effect("Command: a Process has separate stdout and stderr, stdin as a Sink, isRunning and kill", () =>
      Effect.gen(function*() {
        const { guest, host } = yield* onBoth((base) =>
          Effect.gen(function*() {
            const cmd = (command: string, ...args: Array<string>) =>
              Command.make(command, ...args).pipe(Command.workingDirectory(base))
            const separated = yield* Effect.scoped(Effect.gen(function*() {
              const proc = yield* Command.start(
                cmd("sh", "-c", "echo out1; echo err1 >&2; echo out2; exit 5")
              )
              const [out, err] = yield* Effect.all([
                Stream.runCollect(proc.stdout),
                Stream.runCollect(proc.stderr)
              ], {
                concurrency: 2
              })
              return { out: text(out), err: text(err), code: yield* proc.exitCode }
            }))
            const sink = yield* Effect.scoped(Effect.gen(function*() {
              const proc = yield* Command.start(cmd("cat"))
              const [, out] = yield* Effect.all([
                Stream.run(
                  Stream.make(new TextEncoder().encode("to "), new TextEncoder().encode("stdin")),
                  proc.stdin
                ),
                Stream.runCollect(proc.stdout)
              ], { concurrency: 2 })
              return { out: text(out), code: yield* proc.exitCode }
            }))
            const killed = yield* Effect.scoped(Effect.gen(function*() {
              const proc = yield* Command.start(cmd("sleep", "30"))
              const before = yield* proc.isRunning
              yield* proc.kill("SIGTERM")
              return { before, after: yield* proc.isRunning, exit: yield* flipShape(proc.exitCode) }
            }))
            const killedDefault = yield* Effect.scoped(Effect.gen(function*() {
              const proc = yield* Command.start(cmd("sleep", "30"))
              yield* proc.kill()
              return { after: yield* proc.isRunning, exit: yield* flipShape(proc.exitCode) }
            }))
            const trapped = yield* Effect.scoped(Effect.gen(function*() {
              // The signal is delivered by name: the command sees SIGUSR1 and exits on its own.
              const proc = yield* Command.start(
                cmd("sh", "-c", "trap 'echo got-usr1; exit 7' USR1; echo ready; while :; do sleep 0.05; done")
              )
              const lines = yield* Stream.toPull(proc.stdout.pipe(Stream.decodeText(), Stream.splitLines))
              const ready = yield* lines
              yield* proc.kill("SIGUSR1")
              const after = yield* lines
              return {
                ready: Chunk.toReadonlyArray(ready),
                after: Chunk.toReadonlyArray(after),
                code: yield* proc.exitCode
              }
            }))
            return { separated, sink, killed, killedDefault, trapped }
          })
        )
        expect(guest).toEqual(host)
        expect(guest.separated).toEqual({ out: "out1\nout2\n", err: "err1\n", code: 5 })
        expect(guest.sink).toEqual({ out: "to stdin", code: 0 })
        expect(guest.killed).toEqual({
          before: true,
          after: false,
          exit: { _tag: "SystemError", reason: "Unknown" }
        })
        expect(guest.trapped).toEqual({ ready: ["ready"], after: ["got-usr1"], code: 7 })
      }))

    it.effect("Command: a program or working directory that does not exist is NotFound", () =>
      Effect.gen(function*() {
        const { guest, host } = yield* onBoth((base) =>
          Effect.gen(function*() {
            return {
              program: yield* flipShape(Command.string(
                Command.make("no-such-program-msb").pipe(
                  Command.workingDirectory(base)
                )
              )),
              cwd: yield* flipShape(Command.string(
                Command.make("true").pipe(
                  Command.workingDirectory(`${base}/no-such-dir`)
                )
              ))
            }
          })
        )
        expect(guest).toEqual(host)
        expect(guest.program).toEqual({ _tag: "SystemError", reason: "NotFound" })
      }))

    it.effect("sandbox only: unsupported verbs and options fail with the platform's errors, saying why", () =>
      Effect.gen(function*() {
        const sandbox = yield* Box
        const fs = SandboxFileSystem.make(sandbox)
        const chmod = yield* Effect.flip(fs.chmod("/tmp", 0o700))
        expect(chmod._tag).toBe("SystemError")
        if (chmod._tag === "SystemError") {
          expect([chmod.reason, chmod.method, chmod.module]).toEqual(["Unknown", "chmod", "FileSystem"])
          expect(chmod.description).toMatch(/not supported by a sandbox's filesystem/)
        }
        const open = yield* Effect.flip(Effect.scoped(fs.open("/tmp/x")))
        expect(open.message).toMatch(/file descriptors/)
        expect((yield* Effect.flip(fs.readLink("/tmp")))._tag).toBe("SystemError")
        const relative = yield* Effect.flip(fs.readFile("../../etc/passwd-missing"))
        // Relative paths resolve against cwd ("/"), lexically: never above the guest root.
        expect(relative._tag === "SystemError" && relative.pathOrDescriptor).toBe("../../etc/passwd-missing")

        const exec = SandboxCommandExecutor.make(sandbox)
        const withExecutor = Effect.provideService(CommandExecutor.CommandExecutor, exec)
        const relativeCwd = yield* Effect.flip(
          Command.string(Command.make("true").pipe(Command.workingDirectory("tmp"))).pipe(withExecutor)
        )
        expect(relativeCwd._tag).toBe("BadArgument")
        const noExtend = yield* Effect.flip(
          Command.string(Command.make("true").pipe(Command.env({ A: "1" }, { extendEnv: false }))).pipe(
            withExecutor
          )
        )
        expect(noExtend._tag).toBe("BadArgument")
        const badSignal = yield* Effect.scoped(
          Effect.flatMap(Command.start(Command.make("sleep", "30")), (p) => Effect.flip(p.kill("SIGBREAK")))
        ).pipe(withExecutor)
        expect(badSignal._tag).toBe("BadArgument")
      }))

    it.effect("sandbox only: relative paths resolve against cwd; unread stderr never stalls; a Scope's end kills a running command", () =>
      Effect.gen(function*() {
        const sandbox = yield* Box
        const fs = SandboxFileSystem.make(sandbox, { cwd: "/rel" })
        yield* fs.makeDirectory("sub", { recursive: true })
        yield* fs.writeFileString("./sub/../f.txt", "rel")
        expect(yield* sandbox.fs.readString("/rel/f.txt")).toBe("rel")
        expect(existsSync(join(Double.rootfs("platform-box"), "rel/f.txt"))).toBe(true)

        // stderr left unread (Command.string reads stdout only) is buffered: it never stalls
        // stdout or the exit, however much there is.
        const loud = yield* Command.string(
          Command.make("sh", "-c", "head -c 3000000 /dev/zero >&2; echo done")
        ).pipe(Effect.provideService(CommandExecutor.CommandExecutor, SandboxCommandExecutor.make(sandbox)))
        expect(loud).toBe("done\n")

        const before = Double.counters().handles.exec ?? 0
        const pid = yield* Effect.scoped(
          Effect.map(
            Command.start(Command.make("sleep", "30")).pipe(
              Effect.provideService(CommandExecutor.CommandExecutor, SandboxCommandExecutor.make(sandbox))
            ),
            (p) => p.pid
          )
        )
        expect(Double.counters().handles.exec ?? 0).toBe(before)
        expect(
          yield* Double.eventually(() => {
            try {
              process.kill(pid, 0)
              return false
            } catch {
              return true
            }
          })
        ).toBe(true)
      }))
  })
})
