/**
 * The call protocol of docs/runtime-abi.md §1–2 as Effects: one function for every
 * JSON-shaped export. Cancel ids, buffers, error strings and threads stay below this
 * line; above it there are only decoded values and typed errors.
 *
 * - Interrupting the calling fiber triggers the call's cancel id, waits for the native
 *   call to return, and if it succeeded anyway hands the result to `onOrphan` so that
 *   whatever it produced (a handle) is released. `cancelled` is interruption when the
 *   fiber was interrupted; a `cancelled` answer that no interruption asked for is an
 *   `Internal` error (it cannot be caught as an interruption).
 * - `buffer_too_small` on a read-only call is retried once with the size the runtime
 *   reports. On a call with side effects it is a defect: buffers are sized so it cannot
 *   happen (test/ffi/buffers.test.ts proves it for every side-effecting export).
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as HashSet from "effect/HashSet"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Tracer from "effect/Tracer"
import { type LoadAttempt, MalformedResponse, type MicrosandboxError } from "../errorModel.js"
import { type ErrorContext, fromDocument, internal, parseErrorDocument } from "../errors.js"
import { checkArgs } from "./arguments.js"
import { Executor, type ExecutorOptions, type NativeJob, type Outcome } from "./executor.js"
import type { Invoker, NativeArg } from "./invoker.js"
import { type FunctionName, type Signature, signatureByName } from "./signatures.js"

export interface CallOptions {
  /** Public operation name carried by errors and spans (default: the export's name). */
  readonly operation?: string
  /** Sandbox name carried by errors. */
  readonly sandbox?: string | undefined
  /** Guest path carried by filesystem errors (`PathNotFound`, `Filesystem`). */
  readonly path?: string | undefined
  /** Releases what a call produced when its caller was interrupted after all. */
  readonly onOrphan?: (json: string) => Effect.Effect<void, unknown>
  /** Override the output buffer size (bytes). */
  readonly bufferSize?: number
  /** Trace this call in its own span (default: yes, except receives and instant calls). */
  readonly span?: boolean
  /**
   * For a cancel-safe channel receive whose caller guarantees that no other receive on
   * the same handle is in flight: first take an item that is already queued, on this
   * thread and without waiting; park only when none is.
   */
  readonly tryQueuedFirst?: boolean
  /** Retry a read-only call once on `buffer_too_small` (default true). */
  readonly retryOnBufferTooSmall?: boolean
  /**
   * This call of an export classified `write` has no side effects (`msb_volume_fs_op`
   * with `read` or `exists`), so `buffer_too_small` is retried like a read's.
   */
  readonly idempotent?: boolean
}

/** Options of `callDecode`: an orphaned result is decoded before it is handed over. */
export interface DecodeOptions<A> extends Omit<CallOptions, "onOrphan"> {
  /** Releases what a call produced (decoded) when its caller was interrupted after all. */
  readonly onOrphan?: (value: A) => Effect.Effect<void, unknown>
}

type Decoder = (text: string) => Either.Either<unknown, ParseResult.ParseError>
// One compiled decoder (JSON text → A) per Schema, for the life of the Schema.
const decoders = new WeakMap<Schema.Schema.All, Decoder>()

/** The compiled JSON-text decoder of a Schema (compiled on first use, then cached). */
export const decoderOf = <A, I>(
  schema: Schema.Schema<A, I>
): (text: string) => Either.Either<A, ParseResult.ParseError> => {
  let decoder = decoders.get(schema)
  if (decoder === undefined) {
    // The document is parsed with JSON.parse and decoded with the Schema's compiled
    // decoder (the work of `parseJson(schema)` in one step less); a text that fails
    // either goes through `parseJson(schema)` itself, so errors read as before.
    const full = Schema.decodeUnknownEither(Schema.parseJson(schema)) as Decoder
    const decode = ParseResult.decodeUnknownEither(schema as Schema.Schema<unknown, unknown>)
    decoder = (text): Either.Either<unknown, ParseResult.ParseError> => {
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch {
        return full(text)
      }
      const decoded = decode(value)
      // A Right carries no issue: the same value typed with ParseError on its left.
      return Either.isRight(decoded) ? decoded as Either.Either<unknown, never> : full(text)
    }
    decoders.set(schema, decoder)
  }
  return decoder as (text: string) => Either.Either<A, ParseResult.ParseError>
}

const RAW_LIMIT = 512

/** The typed error for a document that did not decode: the operation and the raw text (truncated). */
export const malformed = (
  what: string,
  text: string,
  error: ParseResult.ParseError,
  ctx: { readonly operation: string; readonly sandbox?: string | undefined }
): MalformedResponse =>
  new MalformedResponse({
    message: `unexpected result from ${what}: ${ParseResult.TreeFormatter.formatErrorSync(error)}`,
    operation: ctx.operation,
    ...(ctx.sandbox === undefined ? {} : { sandbox: ctx.sandbox }),
    raw: text.length > RAW_LIMIT ? `${text.slice(0, RAW_LIMIT)}… (${text.length} chars)` : text
  })

/** Decodes one document received from `what` with a Schema (compiled once); a mismatch is `MalformedResponse`. */
export const decodeDocument = <A, I>(
  schema: Schema.Schema<A, I>,
  what: string,
  text: string,
  ctx: { readonly operation: string; readonly sandbox?: string | undefined }
): Either.Either<A, MalformedResponse> =>
  Either.mapLeft(decoderOf(schema)(text), (e) => malformed(what, text, e, ctx))

export interface NativeLibrary {
  readonly path: string
  readonly source: LoadAttempt["source"]
  readonly missing: ReadonlyArray<string>
  readonly invoker: Invoker
  readonly executor: Executor
  /** Calls a JSON-shaped export; succeeds with the JSON text it wrote. */
  readonly call: (
    name: FunctionName,
    args: ReadonlyArray<NativeArg>,
    options?: CallOptions
  ) => Effect.Effect<string, MicrosandboxError>
  /** Records the loaded library's version (for spans and errors). */
  readonly setRuntimeVersion: (version: string) => void
  /**
   * The one span of a public operation whose native calls are its leaves (they pass
   * `span: false`): the span carries the library's attributes from the start, and no
   * stack trace is captured (the site would be this library's own code; capturing it
   * costs more than a fast native call). Nested public operations do not see it as
   * their parent: use `Effect.withSpan` for an operation that runs others.
   */
  readonly operation: <A, E, R>(
    operation: string,
    attributes: Readonly<Record<string, string>>,
    self: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E, R>
  /** Calls and decodes the result with a Schema (a mismatch is `MalformedResponse`). */
  readonly callDecode: <A, I>(
    name: FunctionName,
    args: ReadonlyArray<NativeArg>,
    schema: Schema.Schema<A, I>,
    options?: DecodeOptions<A>
  ) => Effect.Effect<A, MicrosandboxError>
}

const NEED = /need (\d+), have (\d+)/

/** Interrupts a submitted call, waits for it, and releases what it produced anyway. */
const cancel = (
  spec: Signature,
  job: NativeJob,
  onOrphan: CallOptions["onOrphan"]
): Effect.Effect<void> =>
  Effect.flatMap(Effect.promise(() => job.interrupt()), (outcome) =>
    outcome.t === "ok" && onOrphan
      ? onOrphan(outcome.json).pipe(
        Effect.catchAllCause((cause) =>
          Effect.logWarning(`releasing the orphaned result of ${spec.name} failed`, cause)
        )
      )
      : Effect.void)

/**
 * A `cancelled` answer: interruption when this fiber was interrupted (the executor
 * reports its own cancellations as `interrupted`, so this is only a safety net), else an
 * `Internal` error: something other than this call's caller triggered its cancel id.
 */
const unaskedCancel = (name: string, message: string, ctx: ErrorContext) =>
  Effect.descriptorWith((fiber) =>
    HashSet.size(fiber.interruptors) > 0
      ? Effect.interrupt
      : Effect.fail(
        internal(
          `${name} answered \`cancelled\` (${message}) although nothing interrupted the call`,
          ctx
        )
      )
  )

export const makeNative = (
  loaded: { readonly path: string; readonly source: LoadAttempt["source"]; readonly invoker: Invoker },
  prototypes: ReadonlyArray<readonly [string, string]>,
  options: ExecutorOptions
): NativeLibrary => {
  const executor = new Executor(loaded.invoker, loaded.path, prototypes, options)
  executor.warmUp()
  let runtimeVersion = "unknown"
  // An error kind this SDK does not know names the library that produced it.
  const typed = (
    doc: { readonly kind: string; readonly message: string },
    ctx: ErrorContext
  ) => {
    const error = fromDocument(doc, ctx)
    return error._tag === "Unknown"
      ? fromDocument({ ...doc, message: `${doc.message} (runtime ${runtimeVersion} at ${loaded.path})` }, ctx)
      : error
  }

  const parked = (
    spec: Signature,
    args: ReadonlyArray<NativeArg>,
    bufferSize: number,
    onOrphan: CallOptions["onOrphan"]
  ): Effect.Effect<Outcome> =>
    Effect.async<Outcome>((resume) => {
      const job = executor.submit(spec, args, bufferSize, (outcome) => resume(Effect.succeed(outcome)))
      // Built only when the fiber is interrupted (most calls never are).
      return Effect.suspend(() => cancel(spec, job, onOrphan))
    })

  const run = (
    spec: Signature,
    args: ReadonlyArray<NativeArg>,
    bufferSize: number,
    opts: CallOptions
  ): Effect.Effect<Outcome> =>
    spec.mode === "instant"
      ? Effect.sync(() => executor.callNow(spec, args, bufferSize))
      : opts.tryQueuedFirst && spec.mode === "recv"
      ? Effect.suspend(() => {
        const ready = executor.tryNow(spec, args, bufferSize)
        return ready === null ? parked(spec, args, bufferSize, opts.onOrphan) : Effect.succeed(ready)
      })
      : parked(spec, args, bufferSize, opts.onOrphan)

  const succeedJson = (json: string): Effect.Effect<string> => Effect.succeed(json)

  // A call whose successful JSON goes to `onOk` in the same step (no second flatMap).
  const request = <A>(
    name: FunctionName,
    args: ReadonlyArray<NativeArg>,
    opts: CallOptions,
    onOk: (json: string) => Effect.Effect<A, MicrosandboxError>
  ): Effect.Effect<A, MicrosandboxError> => {
    const spec = signatureByName.get(name)
    const ctx: ErrorContext = { operation: opts.operation ?? name, sandbox: opts.sandbox, path: opts.path }
    if (!spec || spec.shape !== "json") {
      return Effect.die(new Error(`${name} is not a JSON-shaped export`))
    }
    const refused = checkArgs(spec, args, ctx)
    if (refused) return Effect.fail(refused)
    const attempt = (bufferSize: number, retried: boolean): Effect.Effect<A, MicrosandboxError> =>
      Effect.flatMap(run(spec, args, bufferSize, opts), (outcome) => {
        switch (outcome.t) {
          case "ok":
            return onOk(outcome.json)
          case "interrupted":
            return Effect.interrupt
          case "fault":
            return outcome.message.includes("is not exported")
              ? Effect.fail(fromDocument({ kind: "unsupported_operation", message: outcome.message }, ctx))
              : Effect.die(new Error(`native call ${name} failed to marshal: ${outcome.message}`))
          case "err": {
            const doc = parseErrorDocument(outcome.text)
            if (doc.kind === "cancelled") return unaskedCancel(name, doc.message, ctx)
            if (doc.kind === "buffer_too_small") {
              const need = NEED.exec(doc.message)
              if (spec.effects === "write" && opts.idempotent !== true) {
                return Effect.die(
                  new Error(
                    `bug: the result of ${name} (side effects done) did not fit its ${bufferSize}-byte buffer: ${doc.message}`
                  )
                )
              }
              if (!retried && need && opts.retryOnBufferTooSmall !== false) {
                return attempt(Number(need[1]), true)
              }
            }
            return Effect.fail(typed(doc, ctx))
          }
        }
      })
    // Receives and other per-item calls run thousands of times a second: a span each
    // would cost more than the call (an Effect span is tens of µs here). Their stream
    // or public operation carries the span instead. A call made inside the span of its
    // own public operation adds its attributes to that span rather than a second one.
    const effect = attempt(opts.bufferSize ?? spec.buffer, false)
    if (spec.mode === "recv" || spec.mode === "instant" || opts.span === false) return effect
    return Effect.contextWithEffect((context: Context.Context<never>) => {
      const parent = Context.getOption(context, Tracer.ParentSpan)
      if (parent._tag === "Some" && parent.value._tag === "Span" && parent.value.name === ctx.operation) {
        parent.value.attribute("msb.library", loaded.path)
        parent.value.attribute("msb.runtime_version", runtimeVersion)
        return effect
      }
      return Effect.withSpan(effect, `msb.${name}`, {
        kind: "client",
        captureStackTrace: false,
        attributes: {
          "msb.operation": ctx.operation,
          "msb.library": loaded.path,
          "msb.runtime_version": runtimeVersion,
          ...(ctx.sandbox ? { "msb.sandbox": ctx.sandbox } : {})
        }
      })
    })
  }

  const callDecode: NativeLibrary["callDecode"] = <A, I>(
    name: FunctionName,
    args: ReadonlyArray<NativeArg>,
    schema: Schema.Schema<A, I>,
    opts: DecodeOptions<A> = {}
  ) => {
    const ctx = { operation: opts.operation ?? name, sandbox: opts.sandbox }
    const release = opts.onOrphan
    const callOpts: CallOptions = release === undefined ? opts as Omit<DecodeOptions<unknown>, "onOrphan"> : {
      ...opts,
      onOrphan: (json) =>
        Either.match(decodeDocument(schema, name, json, ctx), {
          onLeft: (error) => Effect.fail(error),
          onRight: release
        })
    }
    return request(name, args, callOpts, (json) => decodeDocument(schema, name, json, ctx))
  }
  const call: NativeLibrary["call"] = (name, args, opts = {}) => request(name, args, opts, succeedJson)

  const operation: NativeLibrary["operation"] = (name, attributes, self) =>
    Effect.useSpan(name, {
      captureStackTrace: false,
      attributes: { ...attributes, "msb.library": loaded.path, "msb.runtime_version": runtimeVersion }
    }, () => self)

  return {
    path: loaded.path,
    source: loaded.source,
    missing: loaded.invoker.missing,
    invoker: loaded.invoker,
    executor,
    setRuntimeVersion: (version) => {
      runtimeVersion = version
    },
    call,
    operation,
    callDecode
  }
}
