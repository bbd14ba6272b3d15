/**
 * Rootfs patches: files, directories and links applied to the sandbox's root
 * filesystem before it boots (docs/runtime-abi.md §6.6). Not allowed with a disk-image root.
 *
 * @example
 * ```ts
 * import { Patch, SandboxConfig } from "effect-microsandbox"
 *
 * const patches = SandboxConfig.patches(
 *   Patch.mkdir("/app"),
 *   Patch.text("/app/hello.txt", "hi\n", { mode: 0o644 })
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as internal from "./internal/config/patch.js"

/**
 * @since 0.1.0
 * @category models
 */
export const PatchConfig: typeof internal.PatchConfig = internal.PatchConfig

/**
 * One patch.
 *
 * @since 0.1.0
 * @category models
 */
export type PatchConfig = typeof PatchConfig.Type

/**
 * Options of the patches that take them.
 *
 * @since 0.1.0
 * @category models
 */
export interface PatchOptions {
  /** Permission bits, e.g. `0o644`. */
  readonly mode?: number | undefined
  /** Overwrite an existing path instead of failing. */
  readonly replace?: boolean | undefined
}

const opt = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }

/**
 * Writes a file with this content.
 *
 * @since 0.1.0
 * @category constructors
 */
export const text = (path: string, content: string, options: PatchOptions = {}): PatchConfig => ({
  _tag: "text",
  path,
  content,
  ...opt("mode", options?.mode),
  ...opt("replace", options?.replace)
})

/**
 * Appends content to a file (created when missing).
 *
 * @since 0.1.0
 * @category constructors
 */
export const append = (path: string, content: string): PatchConfig => ({ _tag: "append", path, content })

/**
 * Creates a directory and its parents.
 *
 * @since 0.1.0
 * @category constructors
 */
export const mkdir = (path: string, options: Pick<PatchOptions, "mode"> = {}): PatchConfig => ({
  _tag: "mkdir",
  path,
  ...opt("mode", options?.mode)
})

/**
 * Removes a file or directory tree.
 *
 * @since 0.1.0
 * @category constructors
 */
export const remove = (path: string): PatchConfig => ({ _tag: "remove", path })

/**
 * Creates a symlink `link` → `target`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const symlink = (
  target: string,
  link: string,
  options: Pick<PatchOptions, "replace"> = {}
): PatchConfig => ({
  _tag: "symlink",
  target,
  link,
  ...opt("replace", options?.replace)
})

/**
 * Copies a host file into the guest.
 *
 * @since 0.1.0
 * @category constructors
 */
export const copyFile = (src: string, dst: string, options: PatchOptions = {}): PatchConfig => ({
  _tag: "copy_file",
  src,
  dst,
  ...opt("mode", options?.mode),
  ...opt("replace", options?.replace)
})

/**
 * Copies a host directory into the guest.
 *
 * @since 0.1.0
 * @category constructors
 */
export const copyDir = (
  src: string,
  dst: string,
  options: Pick<PatchOptions, "replace"> = {}
): PatchConfig => ({
  _tag: "copy_dir",
  src,
  dst,
  ...opt("replace", options?.replace)
})

/**
 * The guest paths a patch writes (each must be absolute).
 *
 * @since 0.1.0
 * @category utils
 */
export const guestPaths = (patch: PatchConfig): ReadonlyArray<string> => {
  switch (patch._tag) {
    case "symlink":
      return [patch.link]
    case "copy_file":
    case "copy_dir":
      return [patch.dst]
    default:
      return [patch.path]
  }
}
