/**
 * The `self` of the module-level data-first/data-last functions (`Function.dual`), as a
 * JavaScript caller may pass it: a body that refuses a `self` of the wrong kind with an
 * `InvalidArgument` (instead of throwing while the Effect is built), and the predicates
 * that tell a data-first call from a data-last one when `self` is not of its kind.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type * as Errors from "./errorModel.js"
import { invalidArgument, show } from "./validate.js"

/** What a function's `self` must be, and how the error names it. */
export interface SelfKind<S> {
  readonly is: (u: unknown) => u is S
  /** The name of `self` in the error (the parameter name the documentation uses: `sandbox`, `volume`…). */
  readonly argument: string
  /** The kind, for the message: `a Sandbox`. */
  readonly expected: string
}

/**
 * Guards the data-first bodies of one kind of `self`: `guard(operation, fail, body)` is
 * `body`, except that a `self` that is not of the kind gives `fail(InvalidArgument)`
 * naming the argument and `operation`, without calling `body` (so nothing of `self` is
 * read and no native call is made). `fail` is `Effect.fail` or `Stream.fail`; its result
 * must fit `body`'s, so the declared error channel has to hold `InvalidArgument`.
 */
export const guardSelf =
  <S>(kind: SelfKind<S>) =>
  <F extends (self: S, ...rest: ReadonlyArray<never>) => unknown>(
    operation: string,
    fail: (error: Errors.InvalidArgument) => ReturnType<F>,
    body: F
  ): F => {
    const guarded = (self: unknown, ...rest: ReadonlyArray<unknown>): unknown =>
      kind.is(self)
        ? (body as unknown as (self: S, ...rest: ReadonlyArray<unknown>) => unknown)(self, ...rest)
        : fail(
          invalidArgument(
            { operation },
            kind.argument,
            `${kind.argument} must be ${kind.expected}, got ${show(self)}`
          )
        )
    return guarded as unknown as F
  }

/**
 * `Effect.fail` and `Stream.fail`, for the public modules that import `Effect` and
 * `Stream` as types only (a value import would change their emitted declarations).
 */
export const failEffect: <E>(error: E) => Effect.Effect<never, E> = Effect.fail
export const failStream: <E>(error: E) => Stream.Stream<never, E> = Stream.fail

/** Whether a value can be a data-last call's options: `undefined` or a plain object (an object literal). */
export const isOptionsArgument = (u: unknown): boolean => {
  if (u === undefined) return true
  if (typeof u !== "object" || u === null) return false
  const proto: unknown = Object.getPrototypeOf(u)
  return proto === Object.prototype || proto === null
}

/**
 * Data-first test of a dual whose data-last form takes only `options?`: data-first when
 * `self` is of the kind, when there is more than one argument, or when the one argument
 * cannot be options (`null`, a number, a string, an array, a value of another kind).
 * `f(undefined)` and `f({})` stay data-last: they are valid options.
 */
export const optionsFirst = (is: (u: unknown) => boolean) => (args: IArguments): boolean =>
  is(args[0]) || args.length >= 2 || !isOptionsArgument(args[0])

/**
 * Data-first test of a dual whose data-last form starts with a string (a command, a
 * script) followed by anything but a string, taking at most `dataLastArity` arguments:
 * data-first when `self` is of the kind, when there are more arguments than the data-last
 * form takes, or when a first argument that is not a string is followed by a string
 * (`f(null, "ls")`). `f("x", "y")` stays data-last (a string `self` or a string where
 * the arguments array goes: ambiguous), as does `f(null)` (a bad command).
 */
export const stringFirst =
  (is: (u: unknown) => boolean, dataLastArity: number) => (args: IArguments): boolean =>
    is(args[0]) || args.length > dataLastArity ||
    (typeof args[0] !== "string" && typeof args[1] === "string")

/**
 * Data-first test of a dual whose data-last form is `(patch, options?)`: data-first when
 * `self` is of the kind, with three arguments, or with two whose first cannot be a patch
 * (not a plain object). `f({}, patch)` stays data-last (ambiguous), as does `f(null)`.
 */
export const patchFirst = (is: (u: unknown) => boolean) => (args: IArguments): boolean =>
  is(args[0]) || args.length >= 3 ||
  (args.length === 2 && (args[0] === undefined || !isOptionsArgument(args[0])))
