/**
 * Helpers of the image and snapshot modules: the check of text sent as a C string, and
 * members of the documents they receive (decoded by `native.callDecode`).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Errors from "./errorModel.js"
import { checkString, invalidArgument } from "./validate.js"

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
