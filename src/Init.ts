/**
 * PID-1 handoff: which init the guest runs (docs/runtime-abi.md §6.1 `init`).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { CString, CStringRecord, GuestPath } from "./internal/validate.js"

/**
 * @since 0.1.0
 * @category models
 */
export const InitConfig = Schema.Struct({
  /** `"auto"` or an absolute guest path. */
  cmd: Schema.Union(Schema.Literal("auto"), GuestPath).annotations({
    message: () => "the init command must be an absolute path or \"auto\""
  }),
  args: Schema.optional(Schema.Array(CString)),
  env: Schema.optional(CStringRecord)
})

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
