/**
 * effect-microsandbox: the Effect-native SDK for microsandbox.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Microsandbox from "./Microsandbox.js"
/** @since 0.1.0 */
export * as MicrosandboxError from "./MicrosandboxError.js"
/** @since 0.1.0 */
export * as Installer from "./Installer.js"
/** @since 0.1.0 */
export * as Doctor from "./Doctor.js"
