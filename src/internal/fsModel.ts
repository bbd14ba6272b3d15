/**
 * The guest filesystem's models (re-exported by the public SandboxFs module).
 *
 * @internal
 */
import * as Data from "effect/Data"
import type * as Option from "effect/Option"
import type { FileKind } from "../SandboxFs.js"

/** One entry of a directory listing. */
export class FsEntry extends Data.Class<{
  readonly path: string
  readonly kind: FileKind
  readonly size: number
  /** Permission bits. */
  readonly mode: number
}> {}

/** Metadata of one path. */
export class FsStat extends Data.Class<{
  readonly kind: FileKind
  readonly size: number
  readonly mode: number
  readonly readonly: boolean
  readonly modified: Option.Option<Date>
}> {}
