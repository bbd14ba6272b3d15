/**
 * SSH into a running sandbox, without sockets or keys to manage (`sandbox.ssh`, the
 * seed's `Sandbox.SSH()`).
 *
 * - `openClient` starts the runtime's in-process SSH client: its server side runs in
 *   this process and reaches the guest through the sandbox's agent. The client is owned
 *   by the Scope (closed exactly once, on every exit); on it: `exec` (collected output),
 *   `attach` (an interactive shell on this process's terminal) and `sftp` (a session,
 *   itself owned by a Scope).
 * - `prepareServer` prepares an SSH server endpoint (host key, authorized keys) that
 *   serves one SSH connection over **this process's stdin and stdout** (`serve`), for
 *   use as an `ssh -o ProxyCommand=...` target.
 *
 * Every call on one client, server or SFTP session is serialised by the runtime (a call
 * waits for the previous one). The runtime reports every SFTP failure as `internal`
 * with the step in the message (`SFTP read: No such file: No such file`); this library turns the
 * missing-path case into `PathNotFound`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Sandbox, SandboxConfig } from "effect-microsandbox"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function*() {
 *     const sandbox = yield* Sandbox.make("ssh-demo", SandboxConfig.image("alpine"))
 *     const client = yield* sandbox.ssh.openClient()
 *     const out = yield* client.exec("uname -a")
 *     const sftp = yield* client.sftp
 *     yield* sftp.write("/tmp/hello.txt", "hi")
 *     return out.stdoutText
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type { Pipeable } from "effect/Pipeable"
import * as Predicate from "effect/Predicate"
import type * as Scope from "effect/Scope"
import { failEffect, guardSelf, optionsFirst, stringFirst } from "./internal/dual.js"
import * as wire from "./internal/wire/ssh.js"
import type { SshError } from "./MicrosandboxError.js"
import { isSandbox, type Sandbox } from "./Sandbox.js"

/**
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: typeof wire.TypeId = wire.TypeId
/**
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TypeId

// ------------------------------------------------------------------ options

/**
 * Options of `openClient` (the runtime's defaults: user `root`, the `TERM` of this
 * process or `xterm`, SFTP enabled, the runtime's configured inactivity timeout).
 *
 * @since 0.1.0
 * @category options
 */
export interface ClientOptions {
  /** The guest user commands run as. */
  readonly user?: string
  /** The terminal name requested for `exec` with `tty` (and `TERM` in the guest). */
  readonly term?: string
  /** Enables the SFTP subsystem (default true); with `false`, `client.sftp` fails. */
  readonly sftp?: boolean
  /** Idle time after which the internal server closes the session; zero disables it. Rounded up to whole seconds. */
  readonly inactivityTimeout?: Duration.DurationInput
}

/**
 * Options of `prepareServer`. Without paths the runtime uses its own files: the
 * authorized keys in `<MSB home>/ssh/authorized_keys` and a host key it creates under
 * the sandbox's state folder. A missing host key file is created (with its folders).
 *
 * @since 0.1.0
 * @category options
 */
export interface ServerOptions {
  readonly hostKeyPath?: string
  readonly authorizedKeysPath?: string
  /** The guest user commands run as (default: the user the SSH client logs in as). */
  readonly user?: string
  readonly sftp?: boolean
  readonly inactivityTimeout?: Duration.DurationInput
}

/**
 * Options of `exec`.
 *
 * @since 0.1.0
 * @category options
 */
export interface ExecOptions {
  /** Runs the command under a pseudo-terminal (80×24); its stderr then arrives on stdout. */
  readonly tty?: boolean
}

/**
 * Options of `attach`.
 *
 * @since 0.1.0
 * @category options
 */
export interface AttachOptions {
  /** The terminal name of the shell (default: this process's `TERM`, or `xterm`). */
  readonly term?: string
  /** The key sequence that leaves the session (default `ctrl-]`; Docker syntax, e.g. `ctrl-p,ctrl-q`). */
  readonly detachKeys?: string
}

// ------------------------------------------------------------------ documents

/**
 * The runtime's SSH client option document (`msb_sandbox_ssh_connect`).
 *
 * @since 0.1.0
 * @category documents
 */
export const ClientOptionsDocument: typeof wire.ClientOptionsDocument = wire.ClientOptionsDocument

/**
 * The runtime's SSH server option document (`msb_sandbox_ssh_server`).
 *
 * @since 0.1.0
 * @category documents
 */
export const ServerOptionsDocument: typeof wire.ServerOptionsDocument = wire.ServerOptionsDocument

/**
 * `msb_ssh_client_exec`'s option document.
 *
 * @since 0.1.0
 * @category documents
 */
export const ExecOptionsDocument: typeof wire.ExecOptionsDocument = wire.ExecOptionsDocument

/**
 * `msb_ssh_client_attach`'s option document.
 *
 * @since 0.1.0
 * @category documents
 */
export const AttachOptionsDocument: typeof wire.AttachOptionsDocument = wire.AttachOptionsDocument

/**
 * What an SSH `exec` returns: the exit status (a command killed by a signal reports 0,
 * as the runtime's server sends `max(code, 0)`; one that could not start reports 127)
 * and its output as bytes.
 *
 * @since 0.1.0
 * @category models
 */
export const SshOutput: typeof wire.SshOutput = wire.SshOutput
/**
 * @since 0.1.0
 * @category models
 */
export type SshOutput = wire.SshOutput

/**
 * `msb_ssh_client_exec`'s result document (`stdout`/`stderr` in base64) decoded to an
 * `SshOutput`.
 *
 * @since 0.1.0
 * @category documents
 */
export const SshOutputFromDocument: typeof wire.SshOutputFromDocument = wire.SshOutputFromDocument

// ------------------------------------------------------------------ models

/**
 * An SFTP session over an SSH client, owned by the Scope it was opened in. Paths are
 * guest paths; relative ones resolve against the sandbox's working directory (`/`
 * when none is configured). The runtime moves whole files (no streaming).
 *
 * @since 0.1.0
 * @category models
 */
export interface Sftp extends Pipeable {
  readonly [TypeId]: TypeId
  /** The whole file (`PathNotFound` when it does not exist). */
  readonly read: (path: string) => Effect.Effect<Uint8Array, SshError>
  /** The whole file as UTF-8 text. */
  readonly readString: (path: string) => Effect.Effect<string, SshError>
  /** Creates or truncates the file with this content. */
  readonly write: (path: string, data: Uint8Array | string) => Effect.Effect<void, SshError>
  /** Creates a directory, and its missing parents (the guest agent creates them). */
  readonly mkdir: (path: string) => Effect.Effect<void, SshError>
  /** Removes a file (not a directory). */
  readonly removeFile: (path: string) => Effect.Effect<void, SshError>
  /** Removes an empty directory. */
  readonly removeDir: (path: string) => Effect.Effect<void, SshError>
  readonly rename: (from: string, to: string) => Effect.Effect<void, SshError>
  /** The canonical absolute path (symlinks resolved; a missing last component is kept). */
  readonly realPath: (path: string) => Effect.Effect<string, SshError>
  /** A symlink's target, as stored. */
  readonly readLink: (path: string) => Effect.Effect<string, SshError>
  /** Creates `linkPath` pointing to `target`. */
  readonly symlink: (target: string, linkPath: string) => Effect.Effect<void, SshError>
  /** Closes the session now; its Scope then leaves it alone. Later calls fail `InvalidHandle`. */
  readonly close: Effect.Effect<void, SshError>
}

/**
 * An in-process SSH client connected to a sandbox, owned by the Scope it was opened in.
 *
 * @since 0.1.0
 * @category models
 */
export interface SshClient extends Pipeable {
  readonly [TypeId]: TypeId
  /** The sandbox it is connected to. */
  readonly sandbox: string
  /**
   * Runs `command` through the sandbox's shell (`<shell> -c command`) and collects its
   * status and output. The command's stdin stays open and empty: a command that reads
   * stdin waits (interrupt the fiber to abandon it).
   */
  readonly exec: (command: string, options?: ExecOptions) => Effect.Effect<SshOutput, SshError>
  /**
   * An interactive shell on this process's terminal (raw mode while it runs) until it
   * exits or the detach keys are typed; its exit status (0 after a detach).
   * `NotATerminal` when stdin or stdout is not a TTY.
   */
  readonly attach: (options?: AttachOptions) => Effect.Effect<number, SshError>
  /** Opens an SFTP session owned by the current Scope (`Internal` when SFTP is disabled). */
  readonly sftp: Effect.Effect<Sftp, SshError, Scope.Scope>
  /** Disconnects now; the Scope then leaves it alone. Later calls fail `InvalidHandle`. */
  readonly close: Effect.Effect<void, SshError>
}

/**
 * A prepared SSH server endpoint, owned by the Scope it was prepared in.
 *
 * @since 0.1.0
 * @category models
 */
export interface SshServer extends Pipeable {
  readonly [TypeId]: TypeId
  readonly sandbox: string
  /**
   * Serves **one** SSH connection over this process's stdin and stdout and returns when
   * it ends. For its duration stdout carries the SSH byte stream and stdin is read by
   * the runtime: anything else written to stdout (`console.log`, Effect's default
   * logger) corrupts the connection, so send logs to stderr; do not read stdin
   * elsewhere. Interrupting it cancels the connection.
   */
  readonly serve: Effect.Effect<void, SshError>
  /** Releases the endpoint now; the Scope then leaves it alone. */
  readonly close: Effect.Effect<void, SshError>
}

/**
 * `sandbox.ssh`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SandboxSsh {
  /** Opens an in-process SSH client owned by the current Scope. */
  readonly openClient: (options?: ClientOptions) => Effect.Effect<SshClient, SshError, Scope.Scope>
  /**
   * Prepares an SSH server endpoint owned by the current Scope (`Internal` when the
   * authorized keys file is missing or holds no key).
   */
  readonly prepareServer: (
    options?: ServerOptions
  ) => Effect.Effect<SshServer, SshError, Scope.Scope>
}

/**
 * @since 0.1.0
 * @category guards
 */
export const isSshClient = (u: unknown): u is SshClient =>
  Predicate.hasProperty(u, TypeId) && Predicate.hasProperty(u, "exec") && Predicate.hasProperty(u, "sftp")

/**
 * @since 0.1.0
 * @category guards
 */
export const isSftp = (u: unknown): u is Sftp =>
  Predicate.hasProperty(u, TypeId) && Predicate.hasProperty(u, "readLink")

// The data-first bodies below refuse a `self` of the wrong kind with an InvalidArgument.
const onSandbox = guardSelf({ is: isSandbox, argument: "sandbox", expected: "a Sandbox" })
const onClient = guardSelf({ is: isSshClient, argument: "client", expected: "an SshClient" })
const onSftp = guardSelf({ is: isSftp, argument: "sftp", expected: "an Sftp session" })

// ------------------------------------------------------------------ functions

/**
 * Opens an in-process SSH client to a sandbox, owned by the current Scope
 * (data-first or pipeable).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Ssh, type Sandbox } from "effect-microsandbox"
 *
 * const whoami = (sandbox: Sandbox.Sandbox) =>
 *   Effect.gen(function*() {
 *     const client = yield* sandbox.pipe(Ssh.openClient({ user: "root" }))
 *     return yield* client.exec("whoami")
 *   })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const openClient: {
  (options?: ClientOptions): (self: Sandbox) => Effect.Effect<SshClient, SshError, Scope.Scope>
  (self: Sandbox, options?: ClientOptions): Effect.Effect<SshClient, SshError, Scope.Scope>
} = dual(
  optionsFirst(isSandbox),
  onSandbox(
    "Ssh.openClient",
    failEffect,
    (self: Sandbox, options?: ClientOptions) => self.ssh.openClient(options)
  )
)

/**
 * Prepares an SSH server endpoint of a sandbox, owned by the current Scope
 * (data-first or pipeable).
 *
 * @since 0.1.0
 * @category constructors
 */
export const prepareServer: {
  (options?: ServerOptions): (self: Sandbox) => Effect.Effect<SshServer, SshError, Scope.Scope>
  (self: Sandbox, options?: ServerOptions): Effect.Effect<SshServer, SshError, Scope.Scope>
} = dual(
  optionsFirst(isSandbox),
  onSandbox(
    "Ssh.prepareServer",
    failEffect,
    (self: Sandbox, options?: ServerOptions) => self.ssh.prepareServer(options)
  )
)

/**
 * Runs a command over an SSH client (data-first or pipeable).
 *
 * @example
 * ```ts
 * import { Ssh } from "effect-microsandbox"
 *
 * const uid = (client: Ssh.SshClient) => client.pipe(Ssh.exec("id -u"))
 * ```
 *
 * @since 0.1.0
 * @category operations
 */
export const exec: {
  (command: string, options?: ExecOptions): (self: SshClient) => Effect.Effect<SshOutput, SshError>
  (self: SshClient, command: string, options?: ExecOptions): Effect.Effect<SshOutput, SshError>
} = dual(
  stringFirst(isSshClient, 2),
  onClient(
    "Ssh.exec",
    failEffect,
    (self: SshClient, command: string, options?: ExecOptions) => self.exec(command, options)
  )
)

/**
 * An interactive shell over an SSH client on this process's terminal (data-first or pipeable).
 *
 * @since 0.1.0
 * @category operations
 */
export const attach: {
  (options?: AttachOptions): (self: SshClient) => Effect.Effect<number, SshError>
  (self: SshClient, options?: AttachOptions): Effect.Effect<number, SshError>
} = dual(
  optionsFirst(isSshClient),
  onClient("Ssh.attach", failEffect, (self: SshClient, options?: AttachOptions) => self.attach(options))
)

/**
 * Opens an SFTP session over an SSH client, owned by the current Scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const sftp: (self: SshClient) => Effect.Effect<Sftp, SshError, Scope.Scope> = onClient(
  "Ssh.sftp",
  failEffect,
  (self) => self.sftp
)

/**
 * Reads a whole file over SFTP (data-first or pipeable).
 *
 * @since 0.1.0
 * @category operations
 */
export const read: {
  (path: string): (self: Sftp) => Effect.Effect<Uint8Array, SshError>
  (self: Sftp, path: string): Effect.Effect<Uint8Array, SshError>
} = dual(
  2,
  onSftp("Ssh.read", failEffect, (self: Sftp, path: string) => self.read(path))
)

/**
 * Creates or truncates a file over SFTP (data-first or pipeable).
 *
 * @since 0.1.0
 * @category operations
 */
export const write: {
  (path: string, data: Uint8Array | string): (self: Sftp) => Effect.Effect<void, SshError>
  (self: Sftp, path: string, data: Uint8Array | string): Effect.Effect<void, SshError>
} = dual(
  3,
  onSftp(
    "Ssh.write",
    failEffect,
    (self: Sftp, path: string, data: Uint8Array | string) => self.write(path, data)
  )
)
