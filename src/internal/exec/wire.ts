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

const decodeBase64 = (s: string): Uint8Array => Buffer.from(s, "base64")
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
  Schema.Struct({ event: Schema.Literal("stdout", "stderr"), data: Schema.String }),
  Schema.Struct({ event: Schema.Literal("started"), pid: Schema.Int }),
  Schema.Struct({ event: Schema.Literal("exited"), code: Schema.Int }),
  Schema.Struct({ event: Schema.Literal("stdin_error"), error: Schema.Struct(Errno) }),
  Schema.Struct({ event: Schema.Literal("failed"), error: FailureJson }),
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
        return Event.StdinError(j.error)
      case "exited":
        return Event.Exited({ code: j.code })
      case "failed":
        return Event.Failed({ failure: j.error })
      case "done":
        return "done"
    }
  })
