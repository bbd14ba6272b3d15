/**
 * Which sandboxes `Sandbox.listWith`, `Sandbox.listPage` and `Sandbox.stream` return:
 * labels (every one must match), a page size and a cursor. A filter is plain, immutable
 * data with structural equality (`Equal.equals`); the combinators are data-first or
 * pipeable. They never throw: given a value that is not a filter (from JavaScript), a
 * combinator returns it as it is, and `Sandbox.listWith`, `Sandbox.listPage` and
 * `Sandbox.stream` refuse it with `InvalidArgument`.
 *
 * @example
 * ```ts
 * import { Effect, Equal } from "effect"
 * import { Sandbox, SandboxFilter } from "effect-microsandbox"
 *
 * const filter = SandboxFilter.empty.pipe(
 *   SandboxFilter.label("tenant", "acme"),
 *   SandboxFilter.label("tier", "gold")
 * )
 * const sameFilter = SandboxFilter.make({ labels: { tier: "gold", tenant: "acme" } })
 * console.log(Equal.equals(filter, sameFilter)) // true
 *
 * const program = Effect.gen(function*() {
 *   return yield* Sandbox.listWith(filter)
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Equal from "effect/Equal"
import { dual } from "effect/Function"
import * as Hash from "effect/Hash"
import * as Option from "effect/Option"
import { type Pipeable, pipeArguments } from "effect/Pipeable"

/**
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: unique symbol = Symbol.for("effect-microsandbox/SandboxFilter")
/**
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * @since 0.1.0
 * @category models
 */
export interface SandboxFilter extends Equal.Equal, Pipeable {
  readonly [TypeId]: TypeId
  /** Labels that must all match. */
  readonly labels: Readonly<Record<string, string>>
  /** Page size (1–100): the size of each page read (for `listPage`, of the one page). */
  readonly limit: Option.Option<number>
  /** Start after this cursor (from a previous page). */
  readonly cursor: Option.Option<string>
  /** Adds a label that must match (same as `SandboxFilter.label`). */
  withLabel(key: string, value: string): SandboxFilter
  /** Adds labels that must all match (same as `SandboxFilter.labels`). */
  withLabels(labels: Readonly<Record<string, string>>): SandboxFilter
  /** Sets the page size (same as `SandboxFilter.limit`). */
  withLimit(limit: number): SandboxFilter
  /** Continues after a previous page (same as `SandboxFilter.cursor`). */
  withCursor(cursor: string): SandboxFilter
}

interface Fields {
  readonly labels: Readonly<Record<string, string>>
  readonly limit: Option.Option<number>
  readonly cursor: Option.Option<string>
}

class FilterImpl extends Data.Class<Fields> implements SandboxFilter {
  readonly [TypeId]: TypeId = TypeId
  // Implemented by `Data.Class` (field by field).
  declare readonly [Equal.symbol]: (that: Equal.Equal) => boolean
  declare readonly [Hash.symbol]: () => number
  withLabel(key: string, value: string): SandboxFilter {
    return withFields(this, { labels: { ...this.labels, [key]: value } })
  }
  withLabels(labels: Readonly<Record<string, string>>): SandboxFilter {
    return withFields(this, { labels: { ...this.labels, ...labels } })
  }
  withLimit(limit: number): SandboxFilter {
    return withFields(this, { limit: Option.some(limit) })
  }
  withCursor(cursor: string): SandboxFilter {
    return withFields(this, { cursor: Option.some(cursor) })
  }
  pipe() {
    // eslint-disable-next-line prefer-rest-params
    return pipeArguments(this, arguments)
  }
}

// The label record is a `Data.struct`, so two filters with the same labels are equal
// whatever the order in which the labels were added.
const withFields = (self: Fields, patch: Partial<Fields>): SandboxFilter =>
  new FilterImpl({
    labels: Data.struct({ ...(patch.labels ?? self.labels) }),
    limit: patch.limit ?? self.limit,
    cursor: patch.cursor ?? self.cursor
  })

/**
 * @since 0.1.0
 * @category guards
 */
export const isSandboxFilter = (u: unknown): u is SandboxFilter =>
  typeof u === "object" && u !== null && TypeId in u

/**
 * The filter that matches every sandbox (no labels, default page size, from the start).
 *
 * @since 0.1.0
 * @category constructors
 */
export const empty: SandboxFilter = withFields(
  { labels: {}, limit: Option.none(), cursor: Option.none() },
  {}
)

/**
 * A filter from its fields; `make()` is `empty`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  fields: {
    readonly labels?: Readonly<Record<string, string>> | undefined
    readonly limit?: number | undefined
    readonly cursor?: string | undefined
  } = {}
): SandboxFilter =>
  withFields(empty, {
    labels: fields.labels ?? {},
    limit: Option.fromNullable(fields.limit),
    cursor: Option.fromNullable(fields.cursor)
  })

/**
 * Adds a label that must match (data-first or pipeable).
 *
 * @since 0.1.0
 * @category combinators
 */
export const label: {
  (key: string, value: string): (self: SandboxFilter) => SandboxFilter
  (self: SandboxFilter, key: string, value: string): SandboxFilter
} = dual(
  3,
  (self: SandboxFilter, key: string, value: string): SandboxFilter =>
    isSandboxFilter(self) ? self.withLabel(key, value) : self
)

/**
 * Adds labels that must all match (data-first or pipeable).
 *
 * @since 0.1.0
 * @category combinators
 */
export const labels: {
  (labels: Readonly<Record<string, string>>): (self: SandboxFilter) => SandboxFilter
  (self: SandboxFilter, labels: Readonly<Record<string, string>>): SandboxFilter
} = dual(
  2,
  (self: SandboxFilter, labels: Readonly<Record<string, string>>): SandboxFilter =>
    isSandboxFilter(self) ? self.withLabels(labels) : self
)

/**
 * Sets the page size (data-first or pipeable).
 *
 * @since 0.1.0
 * @category combinators
 */
export const limit: {
  (limit: number): (self: SandboxFilter) => SandboxFilter
  (self: SandboxFilter, limit: number): SandboxFilter
} = dual(
  2,
  (self: SandboxFilter, limit: number): SandboxFilter => isSandboxFilter(self) ? self.withLimit(limit) : self
)

/**
 * Starts after a previous page's cursor (data-first or pipeable).
 *
 * @since 0.1.0
 * @category combinators
 */
export const cursor: {
  (cursor: string): (self: SandboxFilter) => SandboxFilter
  (self: SandboxFilter, cursor: string): SandboxFilter
} = dual(
  2,
  (self: SandboxFilter, cursor: string): SandboxFilter =>
    isSandboxFilter(self) ? self.withCursor(cursor) : self
)
