/**
 * Schema functions compiled on their first use instead of at import: a module-level
 * decoder, encoder or guard built with `onFirstUse(() => Schema.decodeUnknownEither(X))`
 * is compiled once, by its first caller, so importing the library compiles nothing it
 * does not run (docs/performance.md, "Start-up").
 *
 * @internal
 */

/** `compile()`'s function, compiled when first called and reused by every later call. */
export const onFirstUse = <Args extends ReadonlyArray<unknown>, R>(
  compile: () => (...args: Args) => R
): (...args: Args) => R => {
  let compiled: ((...args: Args) => R) | undefined
  return (...args) => (compiled ??= compile())(...args)
}

/** As `onFirstUse`, for a guard (`Schema.is`): the compiled guard keeps its type predicate. */
export const guardOnFirstUse = <A>(compile: () => (u: unknown) => u is A): (u: unknown) => u is A => {
  let compiled: ((u: unknown) => u is A) | undefined
  return (u): u is A => (compiled ??= compile())(u)
}
