/**
 * Module-level Schema functions are compiled by their first caller, once
 * (src/internal/compiled.ts): importing the library compiles nothing it does not run.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { guardOnFirstUse, onFirstUse } from "../../src/internal/compiled.js"

describe("onFirstUse", () => {
  it("compiles on the first call, once, and passes every argument through", () => {
    let compiles = 0
    const decode = onFirstUse(() => {
      compiles++
      return Schema.decodeUnknownEither(Schema.NumberFromString)
    })
    expect(compiles).toBe(0)
    expect(decode("42")).toEqual(Either.right(42))
    expect(Either.isLeft(decode("forty-two"))).toBe(true)
    expect(decode("7", { errors: "all" })).toEqual(Either.right(7))
    expect(compiles).toBe(1)
  })

  it("a guard keeps its answers and is compiled once", () => {
    let compiles = 0
    const isPort = guardOnFirstUse(() => {
      compiles++
      return Schema.is(Schema.Int.pipe(Schema.between(1, 65535)))
    })
    expect(compiles).toBe(0)
    const values: ReadonlyArray<unknown> = [80, 0, 65536, "80", 1.5, 65535]
    expect(values.filter(isPort)).toEqual([80, 65535])
    expect(compiles).toBe(1)
  })
})
