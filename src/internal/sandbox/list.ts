/**
 * Listing: the sandboxes matching a filter, one page or every page, and the metrics
 * of every running sandbox.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { MicrosandboxService } from "../../Microsandbox.js"
import type { SandboxHandle } from "../../SandboxHandle.js"
import type { ControlError } from "../errorModel.js"
import * as Errors from "../errorModel.js"
import { narrow } from "../errors.js"
import { checkString, checkStringRecord, invalidArgument, show } from "../validate.js"
import { HandleImpl } from "./handle.js"
import { AllMetricsJson, ListJson } from "./wire.js"

export interface ListPage {
  readonly sandboxes: ReadonlyArray<SandboxHandle>
  readonly nextCursor: Option.Option<string>
}

export interface ListFilter {
  readonly labels: Readonly<Record<string, string>>
  readonly limit: Option.Option<number>
  readonly cursor: Option.Option<string>
}

export const listPage = (
  svc: MicrosandboxService,
  filter: ListFilter
): Effect.Effect<ListPage, ControlError> =>
  Effect.suspend(() => {
    const ctx = { operation: "Sandbox.list" }
    if (typeof filter !== "object" || filter === null) {
      return Effect.fail(
        invalidArgument(ctx, "filter", `filter must be a SandboxFilter, got ${show(filter)}`)
      )
    }
    const { cursor, labels, limit } = filter
    if (!Option.isOption(limit)) {
      return Effect.fail(invalidArgument(ctx, "limit", `limit must be an Option, got ${show(limit)}`))
    }
    // The runtime's bound (and message), checked before the call.
    if (
      Option.isSome(limit) &&
      !(Number.isInteger(limit.value) && limit.value >= 1 && limit.value <= MAX_PAGE_SIZE)
    ) {
      return Effect.fail(
        new Errors.InvalidConfig({
          message: `sandbox list limit must be between 1 and ${MAX_PAGE_SIZE} (got ${show(limit.value)})`,
          operation: "Sandbox.list",
          field: "limit"
        })
      )
    }
    if (!Option.isOption(cursor)) {
      return Effect.fail(invalidArgument(ctx, "cursor", "cursor must be an Option"))
    }
    return checkStringRecord(ctx, "labels", labels).pipe(
      Effect.zipRight(Option.isSome(cursor) ? checkString(ctx, "cursor", cursor.value) : Effect.void),
      Effect.zipRight(Effect.suspend(() => listPageChecked(svc, filter)))
    )
  })

const listPageChecked = (
  svc: MicrosandboxService,
  filter: ListFilter
): Effect.Effect<ListPage, ControlError> => {
  const doc: Record<string, unknown> = {}
  if (Object.keys(filter.labels).length > 0) doc.labels = filter.labels
  if (Option.isSome(filter.limit)) doc.limit = filter.limit.value
  if (Option.isSome(filter.cursor)) doc.cursor = filter.cursor.value
  return svc.native.callDecode("msb_sandbox_list", [JSON.stringify(doc)], ListJson, {
    operation: "Sandbox.list"
  }).pipe(
    Effect.map((r) => ({
      sandboxes: r.sandboxes.map((info) => new HandleImpl(svc, info)),
      nextCursor: r.nextCursor
    })),
    narrow.control.effect
  )
}

/** The largest page the runtime returns. */
export const MAX_PAGE_SIZE = 100
/** The default page size of a walk over every page. */
export const DEFAULT_PAGE_SIZE = MAX_PAGE_SIZE

/**
 * Every sandbox matching the labels, page by page (one native call per page, pulled on
 * demand), starting after `cursor` when set.
 */
export const listStream = (
  svc: MicrosandboxService,
  filter: ListFilter,
  pageSize: number
): Stream.Stream<SandboxHandle, ControlError> =>
  Stream.paginateChunkEffect(
    filter.cursor,
    (cursor) =>
      Effect.map(
        listPage(svc, { labels: filter.labels, limit: Option.some(pageSize), cursor }),
        (page) => [Chunk.fromIterable(page.sandboxes), Option.map(page.nextCursor, Option.some)] as const
      )
  )

/** Every sandbox matching the labels, every page (`limit` is the page size). */
export const listAll = (
  svc: MicrosandboxService,
  filter: ListFilter
): Effect.Effect<ReadonlyArray<SandboxHandle>, ControlError> =>
  Effect.suspend(() =>
    // a value outside the types (from JavaScript): the same typed refusal as listPage's
    typeof filter !== "object" || filter === null || !Option.isOption(filter.limit)
      ? Effect.map(listPage(svc, filter), (p) => p.sandboxes)
      : allPages(svc, filter, Option.getOrElse(filter.limit, () => DEFAULT_PAGE_SIZE))
  ).pipe(Effect.withSpan("Sandbox.list", { captureStackTrace: false }))

/** The pages of `listStream`, read one after another into one array (no Stream machinery per call). */
const allPages = (
  svc: MicrosandboxService,
  filter: ListFilter,
  pageSize: number
): Effect.Effect<ReadonlyArray<SandboxHandle>, ControlError> =>
  Effect.suspend(() => {
    const all: Array<SandboxHandle> = []
    const from = (cursor: Option.Option<string>): Effect.Effect<ReadonlyArray<SandboxHandle>, ControlError> =>
      Effect.flatMap(
        listPage(svc, { labels: filter.labels, limit: Option.some(pageSize), cursor }),
        (page) => {
          for (const sandbox of page.sandboxes) all.push(sandbox)
          return Option.isSome(page.nextCursor) ? from(page.nextCursor) : Effect.succeed(all)
        }
      )
    return from(filter.cursor)
  })

export const allMetrics = (svc: MicrosandboxService) =>
  svc.native.callDecode("msb_all_sandbox_metrics", [], AllMetricsJson, { operation: "Sandbox.allMetrics" })
    .pipe(
      Effect.map((r) =>
        new Map(
          Object.entries(r.sandboxes)
        ) as ReadonlyMap<
          string,
          import("../../Metrics.js").Metrics
        >
      ),
      narrow.metrics.effect,
      Effect.withSpan("Sandbox.allMetrics")
    )
