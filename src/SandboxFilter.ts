/**
 * Which sandboxes `Sandbox.listWith` returns: labels (every one must match), a page
 * size and a cursor. Built fluently; immutable.
 *
 * ```ts
 * const filter = SandboxFilter.make().withLabel("tenant", "acme").withLabel("tier", "gold")
 * const sandboxes = yield* Sandbox.listWith(filter)
 * ```
 *
 * @since 0.1.0
 */
import * as Option from "effect/Option"

/**
 * @since 0.1.0
 */
export class SandboxFilter {
  private constructor(
    /** Labels that must all match. */
    readonly labels: Readonly<Record<string, string>>,
    /** Page size (1–100); when set, one page is returned. */
    readonly limit: Option.Option<number>,
    /** Start after this cursor (from a previous page). */
    readonly cursor: Option.Option<string>
  ) {}

  /** @internal */
  static empty = new SandboxFilter({}, Option.none(), Option.none())

  /** Adds a label that must match. */
  withLabel(key: string, value: string): SandboxFilter {
    return new SandboxFilter({ ...this.labels, [key]: value }, this.limit, this.cursor)
  }
  /** Adds labels that must all match. */
  withLabels(labels: Readonly<Record<string, string>>): SandboxFilter {
    return new SandboxFilter({ ...this.labels, ...labels }, this.limit, this.cursor)
  }
  /** Returns one page of at most `limit` sandboxes. */
  withLimit(limit: number): SandboxFilter {
    return new SandboxFilter(this.labels, Option.some(limit), this.cursor)
  }
  /** Continues after a previous page. */
  withCursor(cursor: string): SandboxFilter {
    return new SandboxFilter(this.labels, this.limit, Option.some(cursor))
  }
}

/** A filter that matches every sandbox. @since 0.1.0 */
export const make = (): SandboxFilter => SandboxFilter.empty

/** A filter on one label. @since 0.1.0 */
export const label = (key: string, value: string): SandboxFilter => SandboxFilter.empty.withLabel(key, value)

/** A filter on labels. @since 0.1.0 */
export const labels = (values: Readonly<Record<string, string>>): SandboxFilter =>
  SandboxFilter.empty.withLabels(values)
