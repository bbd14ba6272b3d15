/**
 * Settings read from the environment through `Config`.
 *
 * @internal
 */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

/** An environment setting: `None` when it is unset, blank or unreadable. */
export const optionalString = (name: string): Effect.Effect<Option.Option<string>> =>
  Config.option(Config.string(name)).pipe(
    Effect.map(Option.filter((s) => s.trim().length > 0)),
    Effect.orElseSucceed(() => Option.none<string>())
  )
