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

/** Base64 text as bytes (a `Buffer`, decoded leniently as Node does). */
export const BytesFromBase64 = Schema.transform(Schema.String, Schema.Uint8ArrayFromSelf, {
  strict: true,
  decode: (s) => Buffer.from(s, "base64"),
  encode: (b) => Buffer.from(b).toString("base64")
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
