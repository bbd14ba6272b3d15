/**
 * Writable root storage for an OCI image (docs/runtime-abi.md §6.2).
 *
 * @since 0.1.0
 */
import * as internal from "./internal/config/rootDisk.js"

/**
 * @since 0.1.0
 * @category models
 */
export const RootDiskConfig: typeof internal.RootDiskConfig = internal.RootDiskConfig

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

/**
 * @internal
 *
 * @since 0.1.0
 * @category models
 */
export const encode: typeof internal.encode = internal.encode
