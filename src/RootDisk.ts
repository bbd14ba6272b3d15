/**
 * Writable root storage for an OCI image (docs/runtime-abi.md §6.2).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { NonEmptyCString, U32Positive } from "./internal/validate.js"

/**
 * @since 0.1.0
 * @category models
 */
export const RootDiskConfig = Schema.Union(
  Schema.TaggedStruct("managed", { sizeMib: Schema.optional(U32Positive) }),
  Schema.TaggedStruct("tmpfs", { sizeMib: Schema.optional(U32Positive) }),
  Schema.TaggedStruct("disk-image", {
    path: NonEmptyCString,
    format: Schema.optional(Schema.Literal("raw", "qcow2")),
    fstype: Schema.optional(NonEmptyCString)
  }),
  Schema.TaggedStruct("flat", {
    sizeMib: Schema.optional(U32Positive),
    fstype: Schema.optional(NonEmptyCString),
    clone: Schema.optional(Schema.Literal("auto", "copy", "reflink"))
  })
)

/**
 * @since 0.1.0
 * @category models
 */
export type RootDiskConfig = typeof RootDiskConfig.Type

/**
 * A sparse ext4 disk owned by microsandbox (persistent, grow-only).
 *
 * @since 0.1.0
 * @category constructors
 */
export const managed = (sizeMib?: number): RootDiskConfig =>
  sizeMib === undefined ? { _tag: "managed" } : { _tag: "managed", sizeMib }

/**
 * RAM-backed, pristine each boot.
 *
 * @since 0.1.0
 * @category constructors
 */
export const tmpfs = (options: { readonly sizeMib?: number } = {}): RootDiskConfig => ({
  _tag: "tmpfs",
  ...options
})

/**
 * A user-supplied disk image attached writable.
 *
 * @since 0.1.0
 * @category constructors
 */
export const diskImage = (
  path: string,
  options: { readonly format?: "raw" | "qcow2"; readonly fstype?: string } = {}
): RootDiskConfig => ({ _tag: "disk-image", path, ...options })

/**
 * A complete OCI rootfs without a guest overlay.
 *
 * @since 0.1.0
 * @category constructors
 */
export const flat = (
  options: {
    readonly sizeMib?: number
    readonly fstype?: string
    readonly clone?: "auto" | "copy" | "reflink"
  } = {}
): RootDiskConfig => ({ _tag: "flat", ...options })

/** @internal */
export const encode = (d: RootDiskConfig): Record<string, unknown> => {
  const out: Record<string, unknown> = { kind: d._tag }
  if (d._tag === "disk-image") {
    out.path = d.path
    if (d.format !== undefined) out.format = d.format
    if (d.fstype !== undefined) out.fstype = d.fstype
    return out
  }
  if (d.sizeMib !== undefined) out.size_mib = d.sizeMib
  if (d._tag === "flat") {
    if (d.fstype !== undefined) out.fstype = d.fstype
    if (d.clone !== undefined) out.clone = d.clone
  }
  return out
}
