/**
 * Calls a JSON-shaped export and decodes its result with a decoder compiled once by the
 * caller (at module level), so no Schema is compiled per call. A result that does not
 * match is a `MalformedResponse` naming the export and carrying the raw text.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { onFirstUse } from "./compiled.js"
import type { MicrosandboxError } from "./errorModel.js"
import * as Errors from "./errorModel.js"
import type { NativeArg } from "./ffi/invoker.js"
import { type CallOptions, malformed, type NativeLibrary } from "./ffi/native.js"
import { checkString, invalidArgument } from "./validate.js"

export type Decoder<A> = (json: string) => Effect.Effect<A, ParseResult.ParseError>

/** A decoder of a JSON text into `schema`'s type, compiled on its first use. */
export const jsonDecoder = <A, I>(schema: Schema.Schema<A, I>): Decoder<A> =>
  onFirstUse(() => Schema.decodeUnknown(Schema.parseJson(schema)))

export const callDecoded = <A>(
  native: NativeLibrary,
  name: Parameters<NativeLibrary["call"]>[0],
  args: ReadonlyArray<NativeArg>,
  decode: Decoder<A>,
  options: CallOptions & { readonly operation: string }
): Effect.Effect<A, MicrosandboxError> =>
  Effect.flatMap(
    native.call(name, args, options),
    (json) =>
      Effect.mapError(decode(json), (e) =>
        malformed(name, json, e, { operation: options.operation, sandbox: options.sandbox }))
  )

/**
 * Text that crosses the boundary as a C string: a non-empty string with no NUL byte and
 * no lone surrogate; anything else is `InvalidArgument` naming `argument`.
 */
export const checkText = (
  value: unknown,
  argument: string,
  operation: string
): Effect.Effect<void, Errors.InvalidArgument> =>
  Effect.flatMap(
    checkString({ operation }, argument, value),
    () =>
      value === ""
        ? Effect.fail(invalidArgument({ operation }, argument, `${argument} must not be empty`))
        : Effect.void
  )

/** Whole seconds since the epoch (the runtime's `*_unix` members) as a Date. */
export const UnixSeconds = Schema.transform(Schema.Number, Schema.DateFromSelf, {
  strict: true,
  decode: (s) => new Date(s * 1000),
  encode: (d) => Math.floor(d.getTime() / 1000)
})

/** A member renamed from its snake_case wire key. */
export const wire = <S extends Schema.Schema.All, const K extends string>(schema: S, key: K) =>
  Schema.propertySignature(schema).pipe(Schema.fromKey(key))
