/**
 * PID-1 handoff: which init the guest runs (docs/runtime-abi.md §6.1 `init`).
 *
 * @since 0.1.0
 */
import * as internal from "./internal/config/init.js"

/**
 * @since 0.1.0
 * @category models
 */
export const InitConfig: typeof internal.InitConfig = internal.InitConfig

/**
 * @since 0.1.0
 * @category models
 */
export type InitConfig = typeof InitConfig.Type

/**
 * Let the runtime detect an init.
 *
 * @since 0.1.0
 * @category constructors
 */
export const auto = (): InitConfig => ({ cmd: "auto" })

/**
 * Run this init (an absolute path) as PID 1.
 *
 * @since 0.1.0
 * @category constructors
 */
export const cmd = (
  command: string,
  options: { readonly args?: ReadonlyArray<string>; readonly env?: Readonly<Record<string, string>> } = {}
): InitConfig => ({
  cmd: command,
  ...(options?.args ? { args: options.args } : {}),
  ...(options?.env ? { env: options.env } : {})
})
