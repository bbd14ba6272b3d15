/**
 * Building blocks for the runtime's snake_case documents, both ways: Schemas whose Type
 * side is the library's camelCase model and whose Encoded side is the runtime's document
 * (`Schema.fromKey` renames the members), and the simple conversions (Option from null,
 * Date from a Unix time, bytes from base64, durations in the runtime's units).
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/** A required member, under `key` in the document. */
export const field = <const K extends string, A, I, R>(key: K, schema: Schema.Schema<A, I, R>) =>
  Schema.propertySignature(schema).pipe(Schema.fromKey(key))

/** A required member, `null` in the document, `None` in the model. */
export const nullable = <const K extends string, A, I, R>(key: K, schema: Schema.Schema<A, I, R>) =>
  field(key, Schema.OptionFromNullOr(schema))

/** Seconds since the Unix epoch as a `Date`. */
export const DateFromUnixSeconds = Schema.transform(Schema.Number, Schema.DateFromSelf, {
  strict: true,
  decode: (s) => new Date(s * 1000),
  encode: (d) => d.getTime() / 1000
})

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

/**
 * The bytes of a text that is exactly the standard padded base64 of them (RFC 4648 §4, what
 * the runtime writes: docs/runtime-abi.md §1.8), else `undefined` — the same answer as
 * "`Buffer.from(text, "base64")` encodes back to `text`", without encoding it back.
 *
 * Node's decoder skips what is not in its alphabet, stops at `=`, takes `-`/`_` as well, and
 * keeps the low byte of a character beyond Latin-1 (`"QUJń"` is read as `"QUJD"`): a
 * text of ASCII only (its UTF-8 length is its length), without `-`/`_`, whose decoded
 * length is the one its length and padding give, and whose last character before the
 * padding carries no stray bits, is exactly the encoding of what it decodes to.
 */
export const decodeBase64 = (text: string): Uint8Array | undefined => {
  const length = text.length
  if (length % 4 !== 0) return undefined
  if (text.indexOf("-") >= 0 || text.indexOf("_") >= 0 || Buffer.byteLength(text, "utf8") !== length) {
    return undefined
  }
  const pad = length === 0
    ? 0
    : text.charCodeAt(length - 1) !== 61
    ? 0
    : text.charCodeAt(length - 2) !== 61
    ? 1
    : 2
  const bytes = Buffer.from(text, "base64")
  if (bytes.length !== (length / 4) * 3 - pad) return undefined
  // The bits the padding leaves over in the last character are zero in a canonical text.
  if (pad > 0 && (ALPHABET.indexOf(text[length - pad - 1]!) & (pad === 1 ? 3 : 15)) !== 0) return undefined
  return bytes
}

/** Standard padded base64 text as bytes (a `Buffer`); any other text fails (see `decodeBase64`). */
export const BytesFromBase64 = Schema.transformOrFail(Schema.String, Schema.Uint8ArrayFromSelf, {
  strict: true,
  decode: (s, _, ast) => {
    const bytes = decodeBase64(s)
    return bytes === undefined
      ? ParseResult.fail(new ParseResult.Type(ast, s, "not standard padded base64"))
      : ParseResult.succeed(bytes)
  },
  encode: (b) => ParseResult.succeed(Buffer.from(b).toString("base64"))
})

/**
 * An optional member, written under `key`; left out of the document when absent,
 * `undefined`, or when `keep` refuses it (zero values the runtime reads as "unset").
 */
export const optionalKey = <const K extends string, A, I, R>(
  key: K,
  schema: Schema.Schema<A, I, R>,
  keep: (a: A) => boolean = () => true
) =>
  Schema.optionalToOptional(Schema.UndefinedOr(schema), Schema.UndefinedOr(Schema.typeSchema(schema)), {
    decode: (o) => Option.filter(o, (a): a is A => a !== undefined),
    encode: (o) => Option.filter(o, (a): a is A => a !== undefined && keep(a))
  }).pipe(Schema.fromKey(key))

/** An optional member kept under its own name (see `optionalKey`). */
export const optional = <A, I, R>(schema: Schema.Schema<A, I, R>, keep?: (a: A) => boolean) =>
  Schema.optionalToOptional(Schema.UndefinedOr(schema), Schema.UndefinedOr(Schema.typeSchema(schema)), {
    decode: (o) => Option.filter(o, (a): a is A => a !== undefined),
    encode: (o) => Option.filter(o, (a): a is A => a !== undefined && (keep === undefined || keep(a)))
  })

/** A flag written only when set (`true`). */
export const flagKey = <const K extends string>(key: K) => optionalKey(key, Schema.Boolean, (b) => b)

/** Keeps a non-empty array. */
export const nonEmptyArray = <A>(a: ReadonlyArray<A>) => a.length > 0
/** Keeps an object with at least one member. */
export const nonEmptyRecord = (a: object) => Object.keys(a).length > 0

/** A duration as a whole number of the runtime's unit, rounded up. */
const durationIn = (toUnits: (d: Duration.Duration) => number, fromUnits: (n: number) => Duration.Duration) =>
  Schema.transform(Schema.Number, Schema.DurationFromSelf, {
    strict: true,
    decode: fromUnits,
    encode: toUnits
  })

/** A duration written as milliseconds, rounded up. */
export const MillisCeil = durationIn((d) => Math.ceil(Duration.toMillis(d)), Duration.millis)
/** A duration written as seconds, rounded up. */
export const SecondsCeil = durationIn((d) => Math.ceil(Duration.toMillis(d) / 1000), Duration.seconds)
/** A duration that is positive. */
export const isPositive = (d: Duration.Duration) => Duration.toMillis(d) > 0
