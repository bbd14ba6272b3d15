/**
 * The runtime's SSH documents (option documents, the exec result) as Schemas, and the
 * SSH type id (re-exported by the public Ssh module).
 *
 * @internal
 */
import * as Schema from "effect/Schema"

export const TypeId: unique symbol = Symbol.for("effect-microsandbox/Ssh")
export type TypeId = typeof TypeId

const NoNul = Schema.String.pipe(
  Schema.filter((s) => !s.includes("\u0000") || "must not contain NUL bytes")
)
const Text = NoNul.pipe(Schema.minLength(1, { message: () => "must not be empty" }))
const Seconds = Schema.Number.pipe(Schema.int(), Schema.nonNegative())

/**
 * The runtime's SSH client option document (`msb_sandbox_ssh_connect`).
 */
export const ClientOptionsDocument = Schema.Struct({
  user: Schema.optional(Text),
  term: Schema.optional(Text),
  sftp: Schema.optional(Schema.Boolean),
  inactivityTimeoutSecs: Schema.optional(Seconds).pipe(Schema.fromKey("inactivity_timeout_secs"))
})

/**
 * The runtime's SSH server option document (`msb_sandbox_ssh_server`).
 */
export const ServerOptionsDocument = Schema.Struct({
  hostKeyPath: Schema.optional(Text).pipe(Schema.fromKey("host_key_path")),
  authorizedKeysPath: Schema.optional(Text).pipe(Schema.fromKey("authorized_keys_path")),
  user: Schema.optional(Text),
  sftp: Schema.optional(Schema.Boolean),
  inactivityTimeoutSecs: Schema.optional(Seconds).pipe(Schema.fromKey("inactivity_timeout_secs"))
})

/** `msb_ssh_client_exec`'s option document. */
export const ExecOptionsDocument = Schema.Struct({ tty: Schema.optional(Schema.Boolean) })

/** `msb_ssh_client_attach`'s option document. */
export const AttachOptionsDocument = Schema.Struct({
  term: Schema.optional(Text),
  detachKeys: Schema.optional(Text).pipe(Schema.fromKey("detach_keys"))
})

/**
 * What an SSH `exec` returns: the exit status (a command killed by a signal reports 0,
 * as the runtime's server sends `max(code, 0)`; one that could not start reports 127)
 * and its output as bytes.
 */
export class SshOutput extends Schema.Class<SshOutput>("effect-microsandbox/SshOutput")({
  status: Schema.Int,
  stdout: Schema.Uint8ArrayFromSelf,
  stderr: Schema.Uint8ArrayFromSelf
}) {
  /** The status is 0. */
  get success(): boolean {
    return this.status === 0
  }
  /** stdout as UTF-8 text. */
  get stdoutText(): string {
    return new TextDecoder().decode(this.stdout)
  }
  /** stderr as UTF-8 text. */
  get stderrText(): string {
    return new TextDecoder().decode(this.stderr)
  }
}

/**
 * `msb_ssh_client_exec`'s result document (`stdout`/`stderr` in base64) decoded to an
 * `SshOutput`.
 */
export const SshOutputFromDocument: Schema.Schema<
  SshOutput,
  { readonly status: number; readonly stdout: string; readonly stderr: string }
> = Schema.transform(
  Schema.Struct({
    status: Schema.Int,
    stdout: Schema.Uint8ArrayFromBase64,
    stderr: Schema.Uint8ArrayFromBase64
  }),
  Schema.typeSchema(SshOutput),
  { strict: true, decode: (doc) => new SshOutput(doc), encode: (out) => ({ ...out }) }
)
