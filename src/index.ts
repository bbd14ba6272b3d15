/**
 * effect-microsandbox: the Effect-native SDK for microsandbox.
 *
 * This core entry holds sandboxes, their configuration, errors and streams, and loads no
 * Node platform layer. The installer, the host doctor and the Node layers are in
 * `effect-microsandbox/node`.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 * @category modules
 */
export * as Exec from "./Exec.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Image from "./Image.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Init from "./Init.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Logs from "./Logs.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Metrics from "./Metrics.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Microsandbox from "./Microsandbox.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as MicrosandboxError from "./MicrosandboxError.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Modification from "./Modification.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Mount from "./Mount.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Network from "./Network.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Patch from "./Patch.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as RootDisk from "./RootDisk.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Sandbox from "./Sandbox.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as SandboxCommandExecutor from "./SandboxCommandExecutor.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as SandboxConfig from "./SandboxConfig.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as SandboxFileSystem from "./SandboxFileSystem.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as SandboxFilter from "./SandboxFilter.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as SandboxFs from "./SandboxFs.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as SandboxPool from "./SandboxPool.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as SandboxHandle from "./SandboxHandle.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Secret from "./Secret.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Snapshot from "./Snapshot.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Ssh from "./Ssh.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Volume from "./Volume.js"
