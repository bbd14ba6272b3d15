/**
 * The native stream pattern, written once: a handle opened by an interruptible native
 * call and owned by the current Scope (released once when the Scope closes; a handle the
 * open produced after its caller left is released by the call's orphan hook), items
 * received on demand, and the fast path that takes what the runtime has already queued
 * on this thread without parking a receive.
 *
 * @internal
 */
import type * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { MicrosandboxError } from "./errorModel.js"
import type { NativeArg, RawOutcome } from "./ffi/invoker.js"
import type { NativeLibrary } from "./ffi/native.js"
import { type FunctionName, signatureByName } from "./ffi/signatures.js"

/** The document a stream-opening export answers with. */
export const StreamHandleJson = Schema.Struct({
  handle: Schema.propertySignature(Schema.BigIntFromNumber).pipe(Schema.fromKey("stream_handle"))
})
export type StreamHandleJson = typeof StreamHandleJson.Type

/**
 * Opens a native resource with an interruptible call and owns it in the current Scope:
 * `release` runs once, when the Scope closes.
 */
export const acquire = <R, A, E, Req>(
  open: Effect.Effect<R, E, Req>,
  make: (result: R) => A,
  release: (resource: A) => Effect.Effect<void>
): Effect.Effect<A, E, Req | Scope.Scope> =>
  Effect.acquireRelease(Effect.interruptible(open).pipe(Effect.map(make)), release)

/**
 * A stream handle opened by `open`, which makes the opening call through `call` (an export
 * answering `{"stream_handle"}`: decoded, and a handle produced after its caller left is
 * closed by the call's orphan hook), and closed with `close` when the Scope closes (a
 * failure to close is ignored).
 */
export const openHandle = <E, Req>(
  native: NativeLibrary,
  close: FunctionName,
  ctx: { readonly operation: string; readonly sandbox?: string | undefined },
  open: (
    call: (
      name: FunctionName,
      args: ReadonlyArray<NativeArg>
    ) => Effect.Effect<StreamHandleJson, MicrosandboxError>
  ) => Effect.Effect<StreamHandleJson, E, Req>
): Effect.Effect<bigint, E, Req | Scope.Scope> =>
  acquire(
    open((name, args) =>
      native.callDecode(name, args, StreamHandleJson, {
        ...ctx,
        onOrphan: (r) => native.call(close, [r.handle])
      })
    ),
    (r) => r.handle,
    (h) => native.call(close, [h], ctx).pipe(Effect.ignore)
  )

/**
 * The items of a native stream: `opened` acquires the handle with the Stream, `pull`
 * (called once with it) is the receive repeated on demand until it fails with `None`.
 */
export const items = <H, E, R, A, E2>(
  opened: Effect.Effect<H, E, R>,
  pull: (handle: H) => Effect.Effect<A, Option.Option<E2>>
): Stream.Stream<A, E | E2, Exclude<R, Scope.Scope>> =>
  Stream.unwrapScoped(Effect.map(opened, (h) => Stream.repeatEffectOption(pull(h))))

/** As `items`, with a receive that yields a chunk (a received item and what was already queued). */
export const chunks = <H, E, R, A, E2>(
  opened: Effect.Effect<H, E, R>,
  pull: (handle: H) => Effect.Effect<Chunk.Chunk<A>, Option.Option<E2>>
): Stream.Stream<A, E | E2, Exclude<R, Scope.Scope>> =>
  Stream.unwrapScoped(Effect.map(opened, (h) => Stream.repeatEffectChunkOption(pull(h))))

/**
 * A taker of what the runtime has already queued on a handle of `recv`, on this thread
 * without waiting: a receive with a pre-triggered cancel id, which the runtime answers
 * with a queued item or `cancelled` (losing nothing, docs/runtime-abi.md §2.3). The real
 * runtime's select is unbiased, so a `cancelled` may hide a queued item: retried
 * `retries` times. `null` when nothing came.
 */
export const queued = (
  recv: FunctionName,
  retries: number
): (native: NativeLibrary, handle: bigint) => RawOutcome | null => {
  const spec = signatureByName.get(recv)!
  return (native, handle) => {
    for (let attempt = 0; attempt <= retries; attempt++) {
      const outcome = native.executor.tryNow(spec, [handle], spec.buffer)
      if (outcome !== null) return outcome
    }
    return null
  }
}
