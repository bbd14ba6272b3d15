/**
 * Volumes mounted into the guest, keyed by guest path (docs/runtime-abi.md §6.3).
 *
 * @example
 * ```ts
 * import { Mount, SandboxConfig } from "effect-microsandbox"
 *
 * const mounts = SandboxConfig.mounts({
 *   "/data": Mount.bind("/srv/data", { readonly: true }),
 *   "/scratch": Mount.tmpfs({ sizeMib: 256 })
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as internal from "./internal/config/mount.js"

/**
 * @since 0.1.0
 * @category models
 */
export const MountConfig: typeof internal.MountConfig = internal.MountConfig

/**
 * @since 0.1.0
 * @category models
 */
export type MountConfig = typeof MountConfig.Type

/**
 * Mount flags.
 *
 * @since 0.1.0
 * @category models
 */
export interface MountFlags {
  readonly readonly?: boolean
  readonly noexec?: boolean
  readonly nosuid?: boolean
  readonly nodev?: boolean
}

/**
 * A host directory.
 *
 * @since 0.1.0
 * @category constructors
 */
export const bind = (
  hostPath: string,
  options: MountFlags & {
    readonly quotaMib?: number
    readonly statVirtualization?: "strict" | "relaxed" | "off"
    readonly hostPermissions?: "private" | "mirror"
  } = {}
): MountConfig => ({ _tag: "bind", hostPath, ...options })

/**
 * A named volume, by name or as a `Volume` value (must exist unless `mode` says
 * otherwise). @since 0.1.0
 * @since 0.1.0
 * @category constructors
 */
export const named = (
  volume: string | { readonly name: string },
  options: MountFlags & {
    readonly mode?: "existing" | "create" | "ensure-exists"
    readonly kind?: "dir" | "disk"
    readonly sizeMib?: number
    readonly quotaMib?: number
  } = {}
): MountConfig => ({
  _tag: "named",
  // A value outside the types (from JavaScript) is kept for the Schema to refuse.
  name: typeof volume === "object" && volume !== null && "name" in volume ? volume.name : volume as string,
  ...options
})

/**
 * An in-memory filesystem.
 *
 * @since 0.1.0
 * @category constructors
 */
export const tmpfs = (options: MountFlags & { readonly sizeMib?: number } = {}): MountConfig => ({
  _tag: "tmpfs",
  ...options
})

/**
 * A host disk-image file.
 *
 * @since 0.1.0
 * @category constructors
 */
export const disk = (
  hostPath: string,
  options: MountFlags & { readonly format?: "raw" | "qcow2" | "vmdk"; readonly fstype?: string } = {}
): MountConfig => ({ _tag: "disk", hostPath, ...options })

/**
 * @internal
 *
 * @since 0.1.0
 * @category models
 */
export const encode: typeof internal.encode = internal.encode
