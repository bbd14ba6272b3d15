/**
 * The event documents of `msb_exec_recv`, decoded through a Schema (stdout/stderr in the
 * runtimes' exact form by a checked fast path).
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { ExecEvent } from "../../Exec.js"
import * as Errors from "../../MicrosandboxError.js"
import { ExecEvent as Event, ExecFailure } from "../execModel.js"
import { decodeDocument } from "../ffi/native.js"

const decodeBase64 = (s: string): Uint8Array => Buffer.from(s, "base64")
const opt = <A>(v: A | null | undefined) => Option.fromNullable(v)

const Errno = {
  errno: Schema.optional(Schema.NullOr(Schema.Int)),
  errno_name: Schema.optional(Schema.NullOr(Schema.String)),
  message: Schema.String
}

/** The event documents of `msb_exec_recv` (docs/runtime-abi.md §5.6.3). */
const EventJson = Schema.Union(
  Schema.Struct({ event: Schema.Literal("stdout", "stderr"), data: Schema.String }),
  Schema.Struct({ event: Schema.Literal("started"), pid: Schema.Int }),
  Schema.Struct({ event: Schema.Literal("exited"), code: Schema.Int }),
  Schema.Struct({ event: Schema.Literal("stdin_error"), error: Schema.Struct(Errno) }),
  Schema.Struct({
    event: Schema.Literal("failed"),
    // If the runtime could not serialise the failure it sends `{"message"}` only.
    error: Schema.Struct({
      ...Errno,
      kind: Schema.optional(Schema.String),
      stage: Schema.optional(Schema.NullOr(Schema.String))
    })
  }),
  Schema.Struct({ event: Schema.Literal("done") })
)

const STDOUT_PREFIX = `{"event":"stdout","data":"`
const STDERR_PREFIX = `{"event":"stderr","data":"`
const PREFIX_LENGTH = STDOUT_PREFIX.length
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/**
 * The output events in the exact form both runtimes write them
 * (`{"event":"stdout","data":"<base64>"}`), checked and decoded without building a JSON
 * object; anything else (another order, spacing, escapes) takes the Schema path.
 */
const outputEvent = (json: string): ExecEvent | undefined => {
  if (json.length < PREFIX_LENGTH + 2 || !json.endsWith(`"}`)) return undefined
  const tag = json.startsWith(STDOUT_PREFIX)
    ? "Stdout"
    : json.startsWith(STDERR_PREFIX)
    ? "Stderr"
    : undefined
  if (tag === undefined) return undefined
  const data = json.slice(PREFIX_LENGTH, -2)
  if (!BASE64.test(data)) return undefined
  return tag === "Stdout"
    ? Event.Stdout({ data: decodeBase64(data) })
    : Event.Stderr({ data: decodeBase64(data) })
}

/** Decodes one event document; `done` when the queue is closed. */
export const parseEvent = (
  json: string,
  ctx: { readonly operation: string; readonly sandbox?: string | undefined }
): Either.Either<ExecEvent | "done", Errors.MalformedResponse> => {
  const output = outputEvent(json)
  return output !== undefined ? Either.right(output) : parseDocument(json, ctx)
}

const parseDocument = (
  json: string,
  ctx: { readonly operation: string; readonly sandbox?: string | undefined }
): Either.Either<ExecEvent | "done", Errors.MalformedResponse> =>
  Either.map(decodeDocument(EventJson, "msb_exec_recv", json, ctx), (j): ExecEvent | "done" => {
    switch (j.event) {
      case "started":
        return Event.Started({ pid: j.pid })
      case "stdout":
        return Event.Stdout({ data: decodeBase64(j.data) })
      case "stderr":
        return Event.Stderr({ data: decodeBase64(j.data) })
      case "stdin_error":
        return Event.StdinError({
          errno: opt(j.error.errno),
          errnoName: opt(j.error.errno_name),
          message: j.error.message
        })
      case "exited":
        return Event.Exited({ code: j.code })
      case "failed":
        return Event.Failed({
          failure: new ExecFailure({
            kind: j.error.kind ?? "other",
            errno: opt(j.error.errno),
            errnoName: opt(j.error.errno_name),
            message: j.error.message,
            stage: opt(j.error.stage)
          })
        })
      case "done":
        return "done"
    }
  })
