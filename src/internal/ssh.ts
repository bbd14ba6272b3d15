/**
 * SSH clients, server endpoints and SFTP sessions over the runtime's `msb_sandbox_ssh_*`,
 * `msb_ssh_*` and `msb_sftp_*` exports (runtime-abi.md §5.14). Each native handle is
 * owned by a Scope and closed exactly once: by the explicit `close`, else by the Scope.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import { pipeArguments } from "effect/Pipeable"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type {
  AttachOptions,
  ClientOptions,
  ExecOptions,
  SandboxSsh,
  ServerOptions,
  Sftp,
  SshClient,
  SshServer
} from "../Ssh.js"
import { onFirstUse } from "./compiled.js"
import * as Errors from "./errorModel.js"
import type { SshError } from "./errorModel.js"
import { narrow } from "./errors.js"
import type { DecodeOptions } from "./ffi/native.js"
import type { FunctionName } from "./ffi/signatures.js"
import { type SandboxCore, withHandle } from "./sandboxCore.js"
import { attributeOf, checkString, contentsProblem, invalidArgument, show } from "./validate.js"
import {
  AttachOptionsDocument,
  ClientOptionsDocument,
  ExecOptionsDocument,
  ServerOptionsDocument,
  SshOutputFromDocument,
  TypeId
} from "./wire/ssh.js"

// The documents received (decoded by `native.callDecode`), and the option encoders.
/** The handle member of an opening call's document (`client_handle` and so on), as a bigint. */
const handleJson = <const K extends string>(key: K) =>
  Schema.pluck(Schema.Struct({ [key]: Schema.BigIntFromNumber }), key)
const ClientHandle = handleJson("client_handle")
const ServerHandle = handleJson("server_handle")
const SftpHandle = handleJson("sftp_handle")
const OkJson = Schema.Struct({ ok: Schema.Literal(true) })
const StatusJson = Schema.Struct({ status: Schema.Int })
const DataJson = Schema.Struct({ data: Schema.Uint8ArrayFromBase64 })
const PathJson = Schema.Struct({ path: Schema.String })
const TargetJson = Schema.Struct({ target: Schema.String })
const encodeClient = onFirstUse(() => Schema.encode(Schema.parseJson(ClientOptionsDocument)))
const encodeServer = onFirstUse(() => Schema.encode(Schema.parseJson(ServerOptionsDocument)))
const encodeExec = onFirstUse(() => Schema.encode(Schema.parseJson(ExecOptionsDocument)))
const encodeAttach = onFirstUse(() => Schema.encode(Schema.parseJson(AttachOptionsDocument)))

/** A collected SSH exec's result is held in one buffer (the runtime cannot resend it). */
const EXEC_BUFFER = 8 * 1024 * 1024

type Kind = "SSH client" | "SSH server" | "SFTP session"

/** One native object: its handle and whether it was closed. */
interface Owned {
  readonly kind: Kind
  readonly handle: bigint
  readonly closeFn: FunctionName
  closed: boolean
}

const ctxOf = (core: SandboxCore, operation: string) => ({ operation, sandbox: core.name })

const invalid = (core: SandboxCore, operation: string, argument: string) => (e: ParseResult.ParseError) =>
  new Errors.InvalidArgument({
    message: `invalid ${argument}: ${ParseResult.TreeFormatter.formatErrorSync(e)}`,
    argument,
    ...ctxOf(core, operation)
  })

/** Options given as something other than an object (absent is fine). */
const checkOptions = (core: SandboxCore, operation: string, options: unknown) =>
  options === undefined || (typeof options === "object" && options !== null)
    ? Effect.void
    : Effect.fail(
      invalidArgument(ctxOf(core, operation), "options", `options must be an object, got ${show(options)}`)
    )

const secondsOf = (
  core: SandboxCore,
  operation: string,
  input: Duration.DurationInput | undefined
): Effect.Effect<number | undefined, Errors.InvalidArgument> => {
  if (input === undefined) return Effect.succeed(undefined)
  // Duration clamps a negative input to zero, which would disable the timeout: refuse it (as Go does).
  const negative = typeof input === "number"
    ? !(input >= 0)
    : typeof input === "bigint"
    ? input < 0n
    : typeof input === "string"
    ? /^\s*-/.test(input)
    : Array.isArray(input)
    ? input[0] < 0 || input[1] < 0
    : false
  const d = Duration.decodeUnknown(input)
  if (negative || Option.isNone(d) || !Duration.isFinite(d.value)) {
    return Effect.fail(
      invalidArgument(
        ctxOf(core, operation),
        "inactivityTimeout",
        `inactivityTimeout must be a finite, non-negative duration, got ${show(input)}`
      )
    )
  }
  return Effect.succeed(Math.ceil(Duration.toMillis(d.value) / 1000))
}

/** Calls an export and decodes its result (`native.callDecode`), narrowed to `SshError`. */
const callWith = <A, I>(
  core: SandboxCore,
  operation: string,
  fn: FunctionName,
  args: ReadonlyArray<string | bigint>,
  schema: Schema.Schema<A, I>,
  options: Omit<DecodeOptions<A>, "operation" | "sandbox"> = {}
): Effect.Effect<A, SshError> =>
  core.native.callDecode(fn, args, schema, { ...ctxOf(core, operation), ...options }).pipe(narrow.ssh.effect)

const closedError = (core: SandboxCore, operation: string, o: Owned) =>
  new Errors.InvalidHandle({ message: `${o.kind} handle already closed`, ...ctxOf(core, operation) })

/** Runs `f` with the handle of an object still open (else InvalidHandle, without a native call). */
const live = <A>(
  core: SandboxCore,
  operation: string,
  o: Owned,
  f: (handle: bigint) => Effect.Effect<A, SshError>
): Effect.Effect<A, SshError> =>
  Effect.suspend(() => (o.closed ? Effect.fail(closedError(core, operation, o)) : f(o.handle)))

/** Closes the native object once; a second close is InvalidHandle (as the Go SDK answers). */
const closeOnce = (core: SandboxCore, operation: string, o: Owned): Effect.Effect<void, SshError> =>
  Effect.suspend(() => {
    if (o.closed) return Effect.fail(closedError(core, operation, o))
    o.closed = true
    return callWith(core, operation, o.closeFn, [o.handle], OkJson).pipe(Effect.asVoid)
  }).pipe(Effect.uninterruptible)

/** The Scope's release: closes what is still open; its failure is logged, never raised. */
const release = (core: SandboxCore, o: Owned): Effect.Effect<void> =>
  Effect.suspend(() =>
    o.closed
      ? Effect.void
      : closeOnce(core, "Ssh.release", o).pipe(
        Effect.catchAllCause((cause) =>
          Effect.logWarning(`closing the ${o.kind} of ${core.name} failed`, cause)
        )
      )
  )

/**
 * Acquires a native object in the current Scope: the opening call is interruptible, and
 * a handle it produced after all (the interrupt came too late) is closed.
 */
const acquire = <A, I>(
  core: SandboxCore,
  operation: string,
  kind: Kind,
  spec: {
    readonly fn: FunctionName
    readonly args: ReadonlyArray<string>
    readonly handle: Schema.Schema<bigint, I>
    readonly closeFn: FunctionName
  },
  withParent: (
    f: (handle: bigint) => Effect.Effect<bigint, SshError>
  ) => Effect.Effect<bigint, SshError>,
  make: (o: Owned) => A
): Effect.Effect<A, SshError, Scope.Scope> => {
  const onOrphan = (h: bigint) => core.native.call(spec.closeFn, [h], ctxOf(core, `${operation}.orphan`))
  return Effect.acquireRelease(
    Effect.interruptible(
      withParent((parent) =>
        callWith(core, operation, spec.fn, [parent, ...spec.args], spec.handle, { onOrphan })
      )
    ).pipe(Effect.map((handle): Owned => ({ kind, handle, closeFn: spec.closeFn, closed: false }))),
    (o) => release(core, o)
  ).pipe(Effect.map(make))
}

const NO_SUCH_FILE = /No such file/i

/** SFTP failures arrive as `internal` (runtime-abi.md §5.14); a missing path is PathNotFound. */
const refine = (path: string) => (e: SshError): SshError =>
  e._tag === "Internal" && e.message.startsWith("SFTP ") && NO_SUCH_FILE.test(e.message)
    ? new Errors.PathNotFound({
      message: e.message,
      operation: e.operation,
      path,
      ...(e.sandbox ? { sandbox: e.sandbox } : {})
    })
    : e

/** Every string argument crosses into C whole: a string with no NUL byte and no lone surrogate. */
const checkPaths = (
  core: SandboxCore,
  operation: string,
  names: ReadonlyArray<string>,
  values: ReadonlyArray<unknown>
) =>
  Effect.forEach(names, (name, i) => checkString(ctxOf(core, operation), name, values[i]), { discard: true })

const makeSftp = (core: SandboxCore, o: Owned): Sftp => {
  /** One SFTP call: every string argument checked, `subject` names the path in errors and spans. */
  const op = <A, I>(
    name: string,
    fn: FunctionName,
    names: ReadonlyArray<string>,
    args: ReadonlyArray<string>,
    subject: string,
    schema: Schema.Schema<A, I>
  ): Effect.Effect<A, SshError> => {
    const operation = `Sftp.${name}`
    return checkPaths(core, operation, names, args).pipe(
      Effect.zipRight(live(core, operation, o, (h) => callWith(core, operation, fn, [h, ...args], schema))),
      Effect.mapError(refine(subject)),
      Effect.withSpan(operation, {
        attributes: {
          "msb.sandbox": core.name,
          "msb.sftp": String(o.handle),
          "msb.path": attributeOf(subject)
        }
      })
    )
  }
  const read = (path: string) =>
    op("read", "msb_sftp_read", ["path"], [path], path, DataJson).pipe(Effect.map((r) => r.data))
  return {
    [TypeId]: TypeId,
    pipe() {
      return pipeArguments(this, arguments)
    },
    read,
    readString: (path) => Effect.map(read(path), (bytes) => new TextDecoder().decode(bytes)),
    write: (path, data) =>
      Effect.suspend(() => {
        const problem = contentsProblem(data)
        if (problem !== undefined) {
          return Effect.fail(invalidArgument(ctxOf(core, "Sftp.write"), "data", problem))
        }
        const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data
        return op(
          "write",
          "msb_sftp_write",
          ["path"],
          [path, Buffer.from(bytes).toString("base64")],
          path,
          OkJson
        )
      }).pipe(Effect.asVoid),
    mkdir: (path) => op("mkdir", "msb_sftp_mkdir", ["path"], [path], path, OkJson).pipe(Effect.asVoid),
    removeFile: (path) =>
      op("removeFile", "msb_sftp_remove_file", ["path"], [path], path, OkJson).pipe(Effect.asVoid),
    removeDir: (path) =>
      op("removeDir", "msb_sftp_remove_dir", ["path"], [path], path, OkJson).pipe(Effect.asVoid),
    rename: (from, to) =>
      op("rename", "msb_sftp_rename", ["from", "to"], [from, to], from, OkJson).pipe(Effect.asVoid),
    realPath: (path) =>
      op("realPath", "msb_sftp_real_path", ["path"], [path], path, PathJson).pipe(
        Effect.map((r) => r.path)
      ),
    readLink: (path) =>
      op("readLink", "msb_sftp_read_link", ["path"], [path], path, TargetJson).pipe(
        Effect.map((r) => r.target)
      ),
    symlink: (target, linkPath) =>
      op("symlink", "msb_sftp_symlink", ["target", "linkPath"], [target, linkPath], linkPath, OkJson).pipe(
        Effect.asVoid
      ),
    close: closeOnce(core, "Sftp.close", o).pipe(
      Effect.withSpan("Sftp.close", { attributes: { "msb.sandbox": core.name } })
    )
  }
}

const notATerminal = (core: SandboxCore, operation: string) =>
  new Errors.NotATerminal({
    message: `${operation} needs an interactive terminal: stdin ${
      process.stdin.isTTY ? "is" : "is not"
    } a TTY, stdout ${process.stdout.isTTY ? "is" : "is not"} a TTY`,
    ...ctxOf(core, operation)
  })

/** A result too large for the exec buffer is reported, not a defect: the command did run. */
const outputTooLarge = (core: SandboxCore, operation: string) =>
  Effect.catchSomeDefect((defect) =>
    defect instanceof Error && defect.message.includes("did not fit")
      ? Option.some(
        Effect.fail(
          new Errors.Internal({
            message: `the output of the SSH command exceeds ${
              EXEC_BUFFER * 3 / 4
            } bytes (stream large outputs with sandbox.execStream)`,
            ...ctxOf(core, operation)
          })
        )
      )
      : Option.none()
  )

const makeClient = (core: SandboxCore, o: Owned): SshClient => ({
  [TypeId]: TypeId,
  pipe() {
    return pipeArguments(this, arguments)
  },
  sandbox: core.name,
  exec: (command: string, options: ExecOptions = {}) =>
    Effect.gen(function*() {
      const operation = "Ssh.exec"
      yield* checkString(ctxOf(core, operation), "command", command)
      yield* checkOptions(core, operation, options)
      const opts = yield* Effect.mapError(encodeExec(options), invalid(core, operation, "options"))
      return yield* live(core, operation, o, (h) =>
        callWith(core, operation, "msb_ssh_client_exec", [h, command, opts], SshOutputFromDocument, {
          bufferSize: EXEC_BUFFER
        })).pipe(outputTooLarge(core, operation))
    }).pipe(
      Effect.withSpan("Ssh.exec", {
        attributes: {
          "msb.sandbox": core.name,
          "msb.ssh.client": String(o.handle),
          "msb.command": attributeOf(command)
        }
      })
    ),
  attach: (options: AttachOptions = {}) =>
    Effect.gen(function*() {
      const operation = "Ssh.attach"
      yield* checkOptions(core, operation, options)
      const opts = yield* Effect.mapError(encodeAttach(options), invalid(core, operation, "options"))
      if (!process.stdin.isTTY || !process.stdout.isTTY) return yield* notATerminal(core, operation)
      const r = yield* live(core, operation, o, (h) =>
        callWith(core, operation, "msb_ssh_client_attach", [h, opts], StatusJson))
      return r.status
    }).pipe(
      Effect.withSpan("Ssh.attach", {
        attributes: { "msb.sandbox": core.name, "msb.ssh.client": String(o.handle) }
      })
    ),
  sftp: Effect.suspend(() =>
    acquire(
      core,
      "Ssh.sftp",
      "SFTP session",
      { fn: "msb_ssh_client_sftp", args: [], handle: SftpHandle, closeFn: "msb_sftp_close" },
      (f) => live(core, "Ssh.sftp", o, f),
      (s) => makeSftp(core, s)
    )
  ).pipe(
    Effect.withSpan("Ssh.sftp", {
      attributes: { "msb.sandbox": core.name, "msb.ssh.client": String(o.handle) }
    })
  ),
  close: closeOnce(core, "Ssh.close", o).pipe(
    Effect.withSpan("Ssh.close", { attributes: { "msb.sandbox": core.name } })
  )
})

const makeServer = (core: SandboxCore, o: Owned): SshServer => ({
  [TypeId]: TypeId,
  pipe() {
    return pipeArguments(this, arguments)
  },
  sandbox: core.name,
  serve: live(
    core,
    "SshServer.serve",
    o,
    (h) => callWith(core, "SshServer.serve", "msb_ssh_server_serve_connection", [h], OkJson)
  ).pipe(
    Effect.asVoid,
    Effect.withSpan("SshServer.serve", { attributes: { "msb.sandbox": core.name } })
  ),
  close: closeOnce(core, "SshServer.close", o).pipe(
    Effect.withSpan("SshServer.close", { attributes: { "msb.sandbox": core.name } })
  )
})

export const make = (core: SandboxCore): SandboxSsh => ({
  openClient: (options: ClientOptions = {}) =>
    Effect.gen(function*() {
      const operation = "Ssh.openClient"
      yield* checkOptions(core, operation, options)
      const secs = yield* secondsOf(core, operation, options.inactivityTimeout)
      const { inactivityTimeout: _, ...rest } = options
      const opts = yield* Effect.mapError(
        encodeClient({ ...rest, ...(secs === undefined ? {} : { inactivityTimeoutSecs: secs }) }),
        invalid(core, operation, "options")
      )
      return yield* acquire(
        core,
        operation,
        "SSH client",
        {
          fn: "msb_sandbox_ssh_connect",
          args: [opts],
          handle: ClientHandle,
          closeFn: "msb_ssh_client_close"
        },
        (f) => withHandle(core, operation, f),
        (c) => makeClient(core, c)
      )
    }).pipe(Effect.withSpan("Ssh.openClient", { attributes: { "msb.sandbox": core.name } })),
  prepareServer: (options: ServerOptions = {}) =>
    Effect.gen(function*() {
      const operation = "Ssh.prepareServer"
      yield* checkOptions(core, operation, options)
      const secs = yield* secondsOf(core, operation, options.inactivityTimeout)
      const { inactivityTimeout: _, ...rest } = options
      const opts = yield* Effect.mapError(
        encodeServer({ ...rest, ...(secs === undefined ? {} : { inactivityTimeoutSecs: secs }) }),
        invalid(core, operation, "options")
      )
      return yield* acquire(
        core,
        operation,
        "SSH server",
        { fn: "msb_sandbox_ssh_server", args: [opts], handle: ServerHandle, closeFn: "msb_ssh_server_close" },
        (f) => withHandle(core, operation, f),
        (s) => makeServer(core, s)
      )
    }).pipe(Effect.withSpan("Ssh.prepareServer", { attributes: { "msb.sandbox": core.name } }))
})
