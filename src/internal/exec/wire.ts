/**
 * The event documents of `msb_exec_recv`, decoded through a Schema (stdout/stderr in the
 * runtimes' exact form by a checked fast path).
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type { ExecEvent } from "../../Exec.js"
import * as Errors from "../errorModel.js"
import { ExecEvent as Event, ExecFailure } from "../execModel.js"
import { decodeDocument } from "../ffi/native.js"
import * as W from "../wireCodec.js"

/** A member absent or null on the wire, `None` in the model. */
const maybe = <A, I>(schema: Schema.Schema<A, I>) =>
  Schema.optionalWith(schema, { nullable: true, as: "Option" })

const Errno = {
  errno: maybe(Schema.Int),
  errnoName: maybe(Schema.String).pipe(Schema.fromKey("errno_name")),
  message: Schema.String
}

/** The `failed` event's error as an `ExecFailure`. */
const FailureJson = Schema.transform(
  Schema.Struct({
    ...Errno,
    // If the runtime could not serialise the failure it sends `{"message"}` only.
    kind: Schema.optionalWith(Schema.String, { default: () => "other" }),
    stage: maybe(Schema.String)
  }),
  Schema.instanceOf(ExecFailure),
  {
    strict: true,
    decode: (fields) => new ExecFailure(fields),
    encode: (f) => ({
      kind: f.kind,
      errno: f.errno,
      errnoName: f.errnoName,
      message: f.message,
      stage: f.stage
    })
  }
)

/** The event documents of `msb_exec_recv` (docs/runtime-abi.md §5.6.3). */
const EventJson = Schema.Union(
  Schema.Struct({ event: Schema.Literal("stdout", "stderr"), data: W.BytesFromBase64 }),
  Schema.Struct({ event: Schema.Literal("started"), pid: Schema.Int }),
  Schema.Struct({ event: Schema.Literal("exited"), code: Schema.Int }),
  Schema.Struct({ event: Schema.Literal("stdin_error"), error: Schema.Struct(Errno) }),
  Schema.Struct({ event: Schema.Literal("failed"), error: FailureJson }),
  Schema.Struct({ event: Schema.Literal("done") })
)

const STDOUT_PREFIX = `{"event":"stdout","data":"`
const STDERR_PREFIX = `{"event":"stderr","data":"`
const PREFIX_LENGTH = STDOUT_PREFIX.length

/**
 * The output events in the exact form both runtimes write them
 * (`{"event":"stdout","data":"<base64>"}`), decoded without building a JSON object: the
 * text between the prefix and the closing `"}` must be standard padded base64 (which
 * holds no quote or backslash, so it is the whole string member); anything else (another order,
 * spacing, escapes, bad base64) takes the Schema path, which decides.
 */
const outputEvent = (json: string): ExecEvent | undefined => {
  if (json.length < PREFIX_LENGTH + 2 || !json.endsWith(`"}`)) return undefined
  const tag = json.startsWith(STDOUT_PREFIX)
    ? "Stdout"
    : json.startsWith(STDERR_PREFIX)
    ? "Stderr"
    : undefined
  if (tag === undefined) return undefined
  const data = W.decodeBase64(json.slice(PREFIX_LENGTH, -2))
  if (data === undefined) return undefined
  return tag === "Stdout" ? Event.Stdout({ data }) : Event.Stderr({ data })
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
        return Event.Stdout({ data: j.data })
      case "stderr":
        return Event.Stderr({ data: j.data })
      case "stdin_error":
        return Event.StdinError(j.error)
      case "exited":
        return Event.Exited({ code: j.code })
      case "failed":
        return Event.Failed({ failure: j.error })
      case "done":
        return "done"
    }
  })
