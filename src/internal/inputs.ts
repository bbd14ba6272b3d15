/**
 * Checks of a command and its options before an exec session is opened: every
 * string crosses into C whole, every option has the type it claims, so that a bad
 * value is an `InvalidArgument` naming it, never a thrown exception or a defect.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"
import * as Stream from "effect/Stream"
import type * as Errors from "./errorModel.js"
import {
  type ArgContext,
  checkGuestPath,
  checkString,
  checkStringRecord,
  checkStrings,
  decodeDuration,
  hasLoneSurrogate,
  invalidArgument,
  MAX_UNITS,
  show
} from "./validate.js"

/** Why a piece of stdin data cannot be sent (a string that UTF-8 cannot carry, or not data at all). */
export const stdinProblem = (data: unknown): string | undefined =>
  typeof data === "string"
    ? hasLoneSurrogate(data)
      ? "is not valid Unicode (a lone surrogate cannot be encoded as UTF-8)"
      : undefined
    : data instanceof Uint8Array
    ? undefined
    : `must be a string, a Uint8Array or a Stream, got ${show(data)}`

const isOptional = (u: unknown, is: (u: unknown) => boolean) => u === undefined || is(u)
const isBoolean = (u: unknown) => typeof u === "boolean"

/** Checks a command (absent for the image's default command), its arguments and its options. */
export const checkExec = (
  ctx: ArgContext,
  command: unknown,
  args: unknown,
  options: unknown,
  extra: { readonly attach?: boolean } = {}
): Effect.Effect<void, Errors.InvalidArgument> =>
  Effect.suspend(() => {
    const checks: Array<Effect.Effect<void, Errors.InvalidArgument>> = []
    const fail = (argument: string, message: string) => Effect.fail(invalidArgument(ctx, argument, message))
    if (command !== undefined) {
      checks.push(
        Effect.flatMap(
          checkString(ctx, "command", command),
          () => command === "" ? fail("command", "command must not be empty") : Effect.void
        )
      )
    }
    checks.push(checkStrings(ctx, "args", args))
    if (options !== undefined && (typeof options !== "object" || options === null)) {
      return fail("options", `options must be an object, got ${show(options)}`)
    }
    const o = (options ?? {}) as Record<string, unknown>
    if (o.cwd !== undefined) checks.push(checkGuestPath(ctx, "cwd", o.cwd))
    if (o.user !== undefined) checks.push(checkString(ctx, "user", o.user))
    if (o.env !== undefined) {
      checks.push(
        Effect.flatMap(checkStringRecord(ctx, "env", o.env), () => {
          const bad = Object.keys(o.env as object).find((k) => k.length === 0 || k.includes("="))
          return bad === undefined
            ? Effect.void
            : fail("env", `invalid environment variable name ${show(bad)}`)
        })
      )
    }
    for (const flag of ["tty", "killOnInterrupt", "stdinPipe"] as const) {
      if (!isOptional(o[flag], isBoolean)) {
        checks.push(fail(flag, `${flag} must be a boolean, got ${show(o[flag])}`))
      }
    }
    if (o.timeout !== undefined) {
      const decoded = decodeDuration(o.timeout)
      if (Either.isLeft(decoded)) checks.push(fail("timeout", `timeout ${decoded.left}`))
    }
    if (o.rlimits !== undefined && (typeof o.rlimits !== "object" || o.rlimits === null)) {
      checks.push(fail("rlimits", `rlimits must be an object, got ${show(o.rlimits)}`))
    }
    const stdin = o.stdin
    if (stdin !== undefined && !Predicate.hasProperty(stdin, Stream.StreamTypeId)) {
      const problem = stdinProblem(stdin)
      if (problem !== undefined) checks.push(fail("stdin", `stdin ${problem}`))
    }
    if (extra.attach && o.detachKeys !== undefined) checks.push(checkString(ctx, "detachKeys", o.detachKeys))
    return Effect.all(checks, { discard: true })
  })

const isTime = (u: unknown) =>
  (u instanceof Date && !Number.isNaN(u.getTime())) || (typeof u === "number" && Number.isFinite(u) && u >= 0)

/** Checks the options of a log read or log stream (`LogOptions`, `LogStreamOptions`). */
export const checkLogOptions = (
  ctx: ArgContext,
  options: unknown
): Effect.Effect<void, Errors.InvalidArgument> =>
  Effect.suspend(() => {
    const fail = (argument: string, message: string) => Effect.fail(invalidArgument(ctx, argument, message))
    if (options === undefined) return Effect.void
    if (typeof options !== "object" || options === null) {
      return fail("options", `options must be an object, got ${show(options)}`)
    }
    const o = options as Record<string, unknown>
    if (o.tail !== undefined && !(Number.isSafeInteger(o.tail) && (o.tail as number) >= 0)) {
      return fail("tail", `tail must be a non-negative integer, got ${show(o.tail)}`)
    }
    for (const key of ["since", "until"] as const) {
      if (o[key] !== undefined && !isTime(o[key])) {
        return fail(
          key,
          `${key} must be a valid Date or a non-negative number of milliseconds, got ${show(o[key])}`
        )
      }
    }
    if (!isOptional(o.follow, (f): f is boolean | "untilStopped" => isBoolean(f) || f === "untilStopped")) {
      return fail("follow", `follow must be a boolean or "untilStopped", got ${show(o.follow)}`)
    }
    return Effect.all([
      o.sources === undefined ? Effect.void : checkStrings(ctx, "sources", o.sources),
      o.afterCursor === undefined ? Effect.void : checkString(ctx, "afterCursor", o.afterCursor)
    ], { discard: true })
  })

/**
 * Checks a sampling interval: a duration that is not negative, NaN or malformed, and
 * finite within the runtime's whole milliseconds (it is sent as a u64 of ms).
 */
export const checkInterval = (
  ctx: ArgContext,
  interval: unknown
): Effect.Effect<void, Errors.InvalidArgument> =>
  Effect.suspend(() =>
    Either.match(decodeDuration(interval), {
      onLeft: (reason) => Effect.fail(invalidArgument(ctx, "interval", `interval ${reason}`)),
      onRight: (d) => {
        const ms = Math.ceil(Duration.toMillis(d))
        return Number.isFinite(ms) && ms <= MAX_UNITS
          ? Effect.void
          : Effect.fail(
            invalidArgument(ctx, "interval", `interval must be finite, at most ${MAX_UNITS} milliseconds`)
          )
      }
    })
  )
