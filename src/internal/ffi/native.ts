/**
 * The call protocol of runtime-abi.md §1–2 as Effects: one function for every
 * JSON-shaped export. Cancel ids, buffers, error strings and threads stay below this
 * line; above it there are only decoded values and typed errors.
 *
 * - Interrupting the calling fiber triggers the call's cancel id, waits for the native
 *   call to return, and if it succeeded anyway hands the result to `onOrphan` so that
 *   whatever it produced (a handle) is released. `cancelled` is interruption.
 * - `buffer_too_small` on a read-only call is retried once with the size the runtime
 *   reports. On a call with side effects it is a defect: buffers are sized so it cannot
 *   happen (test/ffi/buffers.test.ts proves it for every side-effecting export).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { LoadAttempt, MicrosandboxError } from "../../MicrosandboxError.js"
import { fromDocument, internal, parseErrorDocument } from "../errors.js"
import { checkArgs } from "./arguments.js"
import { Executor, type ExecutorOptions, type Outcome } from "./executor.js"
import type { Invoker, NativeArg } from "./invoker.js"
import { type FunctionName, type Signature, signatureByName } from "./signatures.js"

export interface CallOptions {
  /** Public operation name carried by errors and spans (default: the export's name). */
  readonly operation?: string
  /** Sandbox name carried by errors. */
  readonly sandbox?: string | undefined
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
}

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
  /** Calls and decodes the result with a Schema (a mismatch is an `Internal` error). */
  readonly callDecode: <A, I>(
    name: FunctionName,
    args: ReadonlyArray<NativeArg>,
    schema: Schema.Schema<A, I>,
    options?: CallOptions
  ) => Effect.Effect<A, MicrosandboxError>
}

const NEED = /need (\d+), have (\d+)/

export const makeNative = (
  loaded: { readonly path: string; readonly source: LoadAttempt["source"]; readonly invoker: Invoker },
  prototypes: ReadonlyArray<readonly [string, string]>,
  options: ExecutorOptions
): NativeLibrary => {
  const executor = new Executor(loaded.invoker, loaded.path, prototypes, options)
  let runtimeVersion = "unknown"
  // An error kind this SDK does not know names the library that produced it.
  const typed = (
    doc: { readonly kind: string; readonly message: string },
    ctx: { operation: string; sandbox: string | undefined }
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
      const job = executor.submit(spec, args, bufferSize)
      job.result.then((outcome) => resume(Effect.succeed(outcome)))
      return Effect.promise(() => job.interrupt()).pipe(
        Effect.flatMap((outcome) =>
          outcome.t === "ok" && onOrphan
            ? onOrphan(outcome.json).pipe(
              Effect.catchAllCause((cause) =>
                Effect.logWarning(`releasing the orphaned result of ${spec.name} failed`, cause)
              )
            )
            : Effect.void
        )
      )
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

  const call: NativeLibrary["call"] = (name, args, opts = {}) => {
    const spec = signatureByName.get(name)
    const ctx = { operation: opts.operation ?? name, sandbox: opts.sandbox }
    if (!spec || spec.shape !== "json") {
      return Effect.die(new Error(`${name} is not a JSON-shaped export`))
    }
    const refused = checkArgs(spec, args, ctx)
    if (refused) return Effect.fail(refused)
    const attempt = (bufferSize: number, retried: boolean): Effect.Effect<string, MicrosandboxError> =>
      Effect.flatMap(run(spec, args, bufferSize, opts), (outcome) => {
        switch (outcome.t) {
          case "ok":
            return Effect.succeed(outcome.json)
          case "interrupted":
            return Effect.interrupt
          case "fault":
            return outcome.message.includes("is not exported")
              ? Effect.fail(fromDocument({ kind: "unsupported_operation", message: outcome.message }, ctx))
              : Effect.die(new Error(`native call ${name} failed to marshal: ${outcome.message}`))
          case "err": {
            const doc = parseErrorDocument(outcome.text)
            if (doc.kind === "cancelled") return Effect.interrupt
            if (doc.kind === "buffer_too_small") {
              const need = NEED.exec(doc.message)
              if (spec.effects === "write") {
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
    // or public operation carries the span instead.
    const effect = attempt(opts.bufferSize ?? spec.buffer, false)
    return spec.mode === "recv" || spec.mode === "instant" || opts.span === false
      ? effect
      : effect.pipe(
        Effect.withSpan(`msb.${name}`, {
          kind: "client",
          captureStackTrace: false,
          attributes: {
            "msb.operation": ctx.operation,
            "msb.library": loaded.path,
            "msb.runtime_version": runtimeVersion,
            ...(ctx.sandbox ? { "msb.sandbox": ctx.sandbox } : {})
          }
        })
      )
  }

  const callDecode: NativeLibrary["callDecode"] = (name, args, schema, opts = {}) => {
    const decode = Schema.decodeUnknown(Schema.parseJson(schema))
    return Effect.flatMap(call(name, args, opts), (json) =>
      decode(json).pipe(
        Effect.mapError((e) =>
          internal(
            `unexpected result from ${name}: ${ParseResult.TreeFormatter.formatErrorSync(e)}`,
            { operation: opts.operation ?? name, sandbox: opts.sandbox }
          )
        )
      ))
  }

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
    callDecode
  }
}
