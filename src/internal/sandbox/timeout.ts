/**
 * The `timeout` option of stop and kill, checked and converted for the runtime.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Errors from "../errorModel.js"
import { decodeDuration, invalidArgument, MAX_UNITS, show } from "../validate.js"

/**
 * The `timeout` of stop/kill options in whole milliseconds (rounded up): a negative,
 * NaN or malformed duration is `InvalidArgument`, never "zero" (which kills at once).
 */
export const timeoutMillis = (
  ctx: { readonly operation: string; readonly sandbox?: string },
  options: unknown,
  dflt: number
): Effect.Effect<bigint, Errors.InvalidArgument> =>
  Effect.suspend(() => {
    if (options === undefined) return Effect.succeed(BigInt(dflt))
    if (typeof options !== "object" || options === null) {
      return Effect.fail(invalidArgument(ctx, "options", `options must be an object, got ${show(options)}`))
    }
    const timeout = (options as { readonly timeout?: unknown }).timeout
    if (timeout === undefined) return Effect.succeed(BigInt(dflt))
    return Either.match(decodeDuration(timeout), {
      onLeft: (reason) => Effect.fail(invalidArgument(ctx, "timeout", `timeout ${reason}`)),
      // An infinite window is the longest the runtime can take.
      onRight: (d) => Effect.succeed(BigInt(Math.min(MAX_UNITS, Math.ceil(Duration.toMillis(d)))))
    })
  })
