/**
 * Building blocks for the Schemas that decode the runtime's snake_case documents into
 * the library's models: a member read from its wire key, and the simple conversions
 * (Option from null, Date from a Unix time, bytes from base64).
 *
 * @internal
 */
import * as Schema from "effect/Schema"

/** A required member read from the document's `key`. */
export const field = <A, I, R>(key: string, schema: Schema.Schema<A, I, R>) =>
  Schema.propertySignature(schema).pipe(Schema.fromKey(key))

/** A required member, `null` on the wire, `None` in the model. */
export const nullable = <A, I, R>(key: string, schema: Schema.Schema<A, I, R>) =>
  field(key, Schema.OptionFromNullOr(schema))

/** Seconds since the Unix epoch as a `Date`. */
export const DateFromUnixSeconds = Schema.transform(Schema.Number, Schema.DateFromSelf, {
  strict: true,
  decode: (s) => new Date(s * 1000),
  encode: (d) => d.getTime() / 1000
})

/** Base64 text as bytes (a `Buffer`, decoded leniently as Node does). */
export const BytesFromBase64 = Schema.transform(Schema.String, Schema.Uint8ArrayFromSelf, {
  strict: true,
  decode: (s) => Buffer.from(s, "base64"),
  encode: (b) => Buffer.from(b).toString("base64")
})
