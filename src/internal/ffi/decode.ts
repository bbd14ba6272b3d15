/**
 * Decoders of JSON text, compiled once per schema and kept for the life of the module.
 * Schemas here are module-level constants (a handful per module), so the cache is
 * bounded by the program's own code; it holds them weakly all the same.
 *
 * @internal
 */
import type * as Effect from "effect/Effect"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

export type JsonDecoder<A> = (json: string) => Effect.Effect<A, ParseResult.ParseError>

const cache = new WeakMap<Schema.Schema.Any, JsonDecoder<unknown>>()

/** `Schema.decodeUnknown(Schema.parseJson(schema))`, built on first use of `schema` and reused. */
export const compiledDecoder = <A, I>(schema: Schema.Schema<A, I>): JsonDecoder<A> => {
  let decoder = cache.get(schema as Schema.Schema.Any)
  if (decoder === undefined) {
    decoder = Schema.decodeUnknown(
      Schema.parseJson(schema as Schema.Schema<unknown, unknown>)
    ) as JsonDecoder<
      unknown
    >
    cache.set(schema as Schema.Schema.Any, decoder)
  }
  return decoder as JsonDecoder<A>
}
