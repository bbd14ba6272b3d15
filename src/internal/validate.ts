/**
 * Checks of values before they cross into C: strings that C would cut (a NUL byte)
 * or that would not survive UTF-8 encoding (a lone surrogate), JSON documents whose
 * string members carry either, and the Schemas (refinements) that the public
 * configuration modules build on.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Errors from "./errorModel.js"

// ------------------------------------------------------------------ strings

const utf8 = new TextEncoder()

const render = (u: unknown): string => {
  switch (typeof u) {
    case "string":
      return JSON.stringify(u)
    case "bigint":
      return `${u}n`
    case "function":
      return "a function"
    case "object":
      return u === null ? "null" : JSON.stringify(u) ?? Object.prototype.toString.call(u)
    default:
      return String(u)
  }
}

/** A short, printable rendering of any value for an error message (never throws). */
export const show = (u: unknown): string => {
  let text: string
  try {
    text = render(u)
  } catch {
    text = Object.prototype.toString.call(u)
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

/** A span attribute for a value given by a caller: a string as it is, anything else shown. */
export const attributeOf = (u: unknown): string => (typeof u === "string" ? u : show(u))

// Code units, not code points (no `u` flag): a high surrogate not followed by a low one, or a low one alone.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Whether a string holds a lone surrogate (UTF-8 encoding would replace it with U+FFFD). */
export const hasLoneSurrogate = (s: string): boolean => LONE_SURROGATE.test(s)

/**
 * Why a string cannot cross into C as it is: a NUL byte (C would cut the string
 * there) or a lone surrogate (not encodable as UTF-8). Undefined when it can.
 */
export const stringProblem = (s: string): string | undefined => {
  if (s.includes("\0")) return `contains a NUL byte at offset ${s.indexOf("\0")}`
  if (LONE_SURROGATE.test(s)) return "is not valid Unicode (a lone surrogate cannot be encoded as UTF-8)"
  return undefined
}

// An escape preceded by an even number of backslashes is an escape (odd: a literal backslash).
const ESCAPED_NUL = /(?:^|[^\\])(?:\\\\)*\\u0000/
const ESCAPED_SURROGATE = /(?:^|[^\\])(?:\\\\)*\\u[dD][89a-fA-F][0-9a-fA-F]{2}/

/**
 * Why a JSON document cannot be handed to the runtime: one of its strings carries a
 * NUL byte or a lone surrogate (`JSON.stringify` escapes both, so the raw text looks
 * clean; the runtime would decode them and hand them to the OS or reject the document).
 */
export const jsonProblem = (json: string): string | undefined => {
  const raw = stringProblem(json)
  if (raw !== undefined) return raw
  // JSON.stringify writes paired surrogates as characters, lone ones as escapes.
  if (ESCAPED_NUL.test(json)) return "contains a string with a NUL byte"
  if (ESCAPED_SURROGATE.test(json)) return "contains a string that is not valid Unicode (a lone surrogate)"
  return undefined
}

export interface ArgContext {
  readonly operation: string
  readonly sandbox?: string | undefined
}

const fields = (message: string, ctx: ArgContext, argument: string) => ({
  message,
  operation: ctx.operation,
  argument,
  ...(typeof ctx.sandbox === "string" ? { sandbox: ctx.sandbox } : {})
})

/** An `InvalidArgument` naming the argument. */
export const invalidArgument = (ctx: ArgContext, argument: string, message: string): Errors.InvalidArgument =>
  new Errors.InvalidArgument(fields(message, ctx, argument))

/** Fails unless `value` is a string that can cross into C. */
export const checkString = (
  ctx: ArgContext,
  argument: string,
  value: unknown
): Effect.Effect<void, Errors.InvalidArgument> => {
  if (typeof value !== "string") {
    return Effect.fail(invalidArgument(ctx, argument, `${argument} must be a string, got ${show(value)}`))
  }
  const problem = stringProblem(value)
  return problem === undefined
    ? Effect.void
    : Effect.fail(invalidArgument(ctx, argument, `${argument} ${problem}: ${show(value)}`))
}

/** Fails unless `value` is an absolute guest path that can cross into C. */
export const checkGuestPath = (
  ctx: ArgContext,
  argument: string,
  value: unknown
): Effect.Effect<void, Errors.InvalidArgument> =>
  Effect.flatMap(
    checkString(ctx, argument, value),
    () =>
      (value as string).startsWith("/")
        ? Effect.void
        : Effect.fail(
          invalidArgument(ctx, argument, `${argument} must be an absolute guest path: ${show(value)}`)
        )
  )

/** Fails unless `value` is an array of strings that can cross into C. */
export const checkStrings = (
  ctx: ArgContext,
  argument: string,
  value: unknown
): Effect.Effect<void, Errors.InvalidArgument> => {
  if (!Array.isArray(value)) {
    return Effect.fail(
      invalidArgument(ctx, argument, `${argument} must be an array of strings, got ${show(value)}`)
    )
  }
  return Effect.forEach(value, (v, i) => checkString(ctx, `${argument}[${i}]`, v), { discard: true })
}

/** Fails unless `value` is a record of strings (keys and values) that can cross into C. */
export const checkStringRecord = (
  ctx: ArgContext,
  argument: string,
  value: unknown
): Effect.Effect<void, Errors.InvalidArgument> => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return Effect.fail(
      invalidArgument(ctx, argument, `${argument} must be a record of strings, got ${show(value)}`)
    )
  }
  return Effect.forEach(
    Object.entries(value),
    ([k, v]) =>
      Effect.zipRight(
        checkString(ctx, `${argument} key`, k),
        checkString(ctx, `${argument}.${k.slice(0, 40)}`, v)
      ),
    { discard: true }
  )
}

// ------------------------------------------------------------------ schemas

/** A string that can cross into C: no NUL byte, valid Unicode. */
export const CString = Schema.String.pipe(
  Schema.filter((s) => {
    const problem = stringProblem(s)
    return problem === undefined ? true : `${problem}: ${show(s)}`
  }, { identifier: "CString" })
)

/** A non-empty `CString`. */
export const NonEmptyCString = CString.pipe(Schema.minLength(1, { message: () => "must not be empty" }))

/** An absolute guest path. */
export const GuestPath = CString.pipe(
  Schema.filter((s) => s.startsWith("/") || `guest path must be absolute: ${show(s)}`)
)

/** A record of `CString`s. */
export const CStringRecord = Schema.Record({ key: CString, value: CString })

/** An integer in [min, max]. */
export const IntBetween = (min: number, max: number) =>
  Schema.Number.pipe(
    Schema.filter((n) =>
      (Number.isInteger(n) && n >= min && n <= max) ||
      `must be an integer from ${min} to ${max}, got ${show(n)}`
    )
  )

/** A TCP/UDP port, 1–65535. */
export const Port = IntBetween(1, 65535)

/** A u32 size or count (the runtime's `*_mib`): 1 – 2^32−1. */
export const U32Positive = IntBetween(1, 0xffffffff)

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/

/** Whether `s` is an IPv4 or IPv6 address, as the runtime parses one (no port, no zone, no brackets). */
export const isIpAddress = (s: string): boolean => {
  if (IPV4.test(s)) return true
  if (!/^[0-9A-Fa-f:.]+$/.test(s) || !s.includes(":")) return false
  if (s.includes(".") && !IPV4.test(s.slice(s.lastIndexOf(":") + 1))) return false
  try {
    new URL(`http://[${s}]/`)
    return true
  } catch {
    return false
  }
}

/** An IPv4 or IPv6 address. */
export const IpAddress = CString.pipe(
  Schema.filter((s) => isIpAddress(s) || `not an IP address: ${show(s)}`, { identifier: "IpAddress" })
)

// The OCI distribution reference grammar (name[:tag][@digest]), as the runtime parses one.
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]+)?`
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`
const TAG = "[\\w][\\w.-]{0,127}"
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
const REFERENCE = new RegExp(`^(${NAME})(?::${TAG})?(?:@${DIGEST})?$`)

/** Whether `s` is a local path rather than an OCI reference (runtime-abi.md §6.1). */
export const isLocalPath = (s: string): boolean =>
  s === "." || s === ".." || s.startsWith("/") || s.startsWith("./") || s.startsWith("../")

/** Why `s` is not a valid OCI image reference, or undefined. */
export const referenceProblem = (s: string): string | undefined => {
  const m = REFERENCE.exec(s)
  if (!m) return `not a valid image reference (name[:tag][@digest], lower-case, no spaces): ${show(s)}`
  if (m[1]!.length > 255) return `the repository name is ${m[1]!.length} characters long; the limit is 255`
  return undefined
}

/** An OCI image reference or a local path (a rootfs folder or disk image). */
export const ImageSource = CString.pipe(
  Schema.filter((s) => (isLocalPath(s) ? true : referenceProblem(s) ?? true), { identifier: "ImageSource" })
)

/** The largest count of units a duration may encode to (a JSON number the runtime reads as u64 exactly). */
export const MAX_UNITS = Number.MAX_SAFE_INTEGER

/** A Duration the runtime can receive in whole `unit`s (rounded up): finite, at most 2^53−1 units. */
const DurationValue = Schema.DurationFromSelf.annotations({
  message: (issue) =>
    Either.match(decodeDuration(issue.actual), {
      onLeft: (reason) => reason,
      onRight: () => `must be a Duration, got ${show(issue.actual)}`
    })
})

export const DurationIn = (unit: "millis" | "seconds") =>
  DurationValue.pipe(
    Schema.filter((d) => {
      const ms = Duration.toMillis(d)
      const units = Math.ceil(unit === "millis" ? ms : ms / 1000)
      return (Number.isFinite(units) && units <= MAX_UNITS) ||
        `must be a finite duration of at most ${MAX_UNITS} ${unit === "millis" ? "milliseconds" : "seconds"}`
    })
  )

/**
 * Decodes a `DurationInput` without Effect's clamping: negative, NaN or malformed
 * input is refused (Effect's `Duration.decode` turns a negative into zero, which the
 * runtime reads as "no limit", and throws on malformed input).
 */
export const decodeDuration = (input: unknown): Either.Either<Duration.Duration, string> => {
  if (Duration.isDuration(input)) return Either.right(input)
  if (typeof input === "number") {
    return Number.isNaN(input) || input < 0
      ? Either.left(`must be a non-negative number of milliseconds, got ${show(input)}`)
      : Either.right(Duration.millis(input))
  }
  if (typeof input === "bigint") {
    return input < 0n
      ? Either.left(`must not be negative, got ${show(input)}`)
      : Either.right(Duration.nanos(input))
  }
  if (typeof input === "string") {
    if (/^\s*-/.test(input)) return Either.left(`must not be negative, got ${show(input)}`)
  }
  if (Array.isArray(input)) {
    if (
      input.length !== 2 || !input.every((n) => typeof n === "number" && Number.isFinite(n) && n >= 0)
    ) {
      return Either.left(`must be [seconds, nanos] with finite non-negative numbers, got ${show(input)}`)
    }
  }
  const decoded = Duration.decodeUnknown(input)
  return decoded._tag === "Some" ? Either.right(decoded.value) : Either.left(`not a duration: ${show(input)}`)
}

/** Fails unless `value` can name a sandbox in a by-name call: a string of 1–128 UTF-8 bytes that can cross into C. */
export const checkSandboxName = (
  ctx: ArgContext,
  value: unknown,
  argument = "name"
): Effect.Effect<void, Errors.InvalidArgument> => {
  const refused = sandboxNameRefusal(ctx, value, argument)
  return refused === undefined ? Effect.void : Effect.fail(refused)
}

/** `checkSandboxName` without an Effect: the refusal, or undefined for a valid name. */
export const sandboxNameRefusal = (
  ctx: ArgContext,
  value: unknown,
  argument = "name"
): Errors.InvalidArgument | undefined => {
  if (typeof value !== "string") {
    return invalidArgument(ctx, argument, `${argument} must be a string, got ${show(value)}`)
  }
  const problem = stringProblem(value)
  if (problem !== undefined) return invalidArgument(ctx, argument, `${argument} ${problem}: ${show(value)}`)
  const bytes = utf8.encode(value).length
  return bytes === 0
    ? invalidArgument(ctx, argument, `${argument} must not be empty`)
    : bytes > 128
    ? invalidArgument(ctx, argument, `${argument} is ${bytes} bytes long; the limit is 128`)
    : undefined
}

/**
 * Why file contents cannot be sent: they are data (sent as base64), but a string must be
 * encodable as UTF-8, and anything else must be bytes.
 */
export const contentsProblem = (data: unknown): string | undefined =>
  typeof data === "string"
    ? hasLoneSurrogate(data)
      ? "data is not valid Unicode (a lone surrogate cannot be encoded as UTF-8)"
      : undefined
    : data instanceof Uint8Array
    ? undefined
    : `data must be a string or a Uint8Array, got ${show(data)}`
