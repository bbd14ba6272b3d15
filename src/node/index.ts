/**
 * effect-microsandbox/node: what needs Node's platform layers (file system, commands,
 * HTTP): installing the runtime and diagnosing the host. The core entry,
 * `effect-microsandbox`, loads none of it. The `effect-microsandbox` command is
 * `effect-microsandbox/node/Cli` (it loads `@effect/cli`, which these modules do not).
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 * @category modules
 */
export * as Doctor from "./Doctor.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Installer from "./Installer.js"
