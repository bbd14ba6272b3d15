/**
 * The `Microsandbox` service tag (re-exported by the public Microsandbox module, whose
 * `MicrosandboxService` it carries): defined here so internal modules can require the
 * service without importing the public module.
 *
 * @internal
 */
import * as Context from "effect/Context"
import type { MicrosandboxService } from "../Microsandbox.js"

export class Microsandbox
  extends Context.Tag("effect-microsandbox/Microsandbox")<Microsandbox, MicrosandboxService>()
{}
