/**
 * Decoding of the runtime's error documents into MicrosandboxError classes.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { guardOnFirstUse } from "./compiled.js"
import * as MicrosandboxError from "./errorModel.js"

export interface ErrorContext {
  readonly operation: string
  readonly sandbox?: string | undefined
  /** The guest path the operation was about (carried by `PathNotFound` and `Filesystem`). */
  readonly path?: string | undefined
}

const fields = (message: string, ctx: ErrorContext) =>
  ctx.sandbox === undefined
    ? { message, operation: ctx.operation }
    : { message, operation: ctx.operation, sandbox: ctx.sandbox }

export interface RuntimeErrorDocument {
  readonly kind: string
  readonly message: string
}

/** Parses `{"kind":…,"message":…}`; anything else becomes `internal` with the raw text (as Go does). */
export const parseErrorDocument = (text: string): RuntimeErrorDocument => {
  try {
    const doc: unknown = JSON.parse(text)
    if (
      typeof doc === "object" && doc !== null && "kind" in doc && "message" in doc &&
      typeof doc.kind === "string" && typeof doc.message === "string"
    ) {
      return { kind: doc.kind, message: doc.message }
    }
  } catch {
    // fall through
  }
  return { kind: "internal", message: text }
}

const isKnownKind = (kind: string): kind is MicrosandboxError.RuntimeKind =>
  Object.prototype.hasOwnProperty.call(MicrosandboxError.runtimeKinds, kind)

/**
 * Every field of an error built here is a string this module put there (the document's
 * `kind` and `message` are checked by `parseErrorDocument`, the context's by the call's
 * validation), so the error classes' constructors skip their Schema check: it cost about
 * 80 µs per error here, more than the native call that failed.
 */
const NO_CHECK = { disableValidation: true } as const

/** The typed error for a runtime error document (never called with `cancelled`). */
export const fromDocument = (
  doc: RuntimeErrorDocument,
  ctx: ErrorContext
): MicrosandboxError.MicrosandboxError => {
  if (!isKnownKind(doc.kind)) {
    return new MicrosandboxError.Unknown({ ...fields(doc.message, ctx), kind: doc.kind }, NO_CHECK)
  }
  switch (doc.kind) {
    case "path_not_found":
      // Without a path to name, the failure is only a filesystem failure.
      return ctx.path === undefined
        ? new MicrosandboxError.Filesystem(fields(doc.message, ctx), NO_CHECK)
        : new MicrosandboxError.PathNotFound({ ...fields(doc.message, ctx), path: ctx.path }, NO_CHECK)
    case "filesystem":
      return new MicrosandboxError.Filesystem(
        ctx.path === undefined ? fields(doc.message, ctx) : { ...fields(doc.message, ctx), path: ctx.path },
        NO_CHECK
      )
    default: {
      const Class = MicrosandboxError.runtimeKinds[doc.kind] as new(
        args: ReturnType<typeof fields>,
        options: typeof NO_CHECK
      ) => MicrosandboxError.MicrosandboxError
      return new Class(fields(doc.message, ctx), NO_CHECK)
    }
  }
}

export const internal = (message: string, ctx: ErrorContext): MicrosandboxError.Internal =>
  new MicrosandboxError.Internal(fields(message, ctx))

export const invalidConfig = (
  field: string,
  message: string,
  ctx: ErrorContext
): MicrosandboxError.InvalidConfig => new MicrosandboxError.InvalidConfig({ ...fields(message, ctx), field })

/**
 * An error of a kind the operation is not declared to raise becomes `Internal`, naming
 * the original and keeping it as the `cause`.
 */
export const unexpected = (e: MicrosandboxError.MicrosandboxError): MicrosandboxError.Internal =>
  new MicrosandboxError.Internal({
    message: `unexpected ${e._tag} error: ${e.message}`,
    operation: e.operation,
    ...(e.sandbox === undefined ? {} : { sandbox: e.sandbox }),
    cause: e
  })

/**
 * Narrows the errors of an operation to one of the per-operation unions of
 * MicrosandboxError.ts: members pass unchanged, anything else becomes `Internal` (a
 * member of every union). Apply it to the library's own errors, before a caller's own
 * error type (an exec's stdin stream) joins them: at run time the two cannot be told
 * apart when the caller's errors are this library's classes.
 */
export const narrowTo = <A extends MicrosandboxError.MicrosandboxError, I>(union: Schema.Schema<A, I>) => {
  const is = guardOnFirstUse(() => Schema.is(union))
  const error = (e: MicrosandboxError.MicrosandboxError): A | MicrosandboxError.Internal =>
    is(e) ? e : unexpected(e)
  return {
    error,
    effect: <X, R>(
      self: Effect.Effect<X, MicrosandboxError.MicrosandboxError, R>
    ): Effect.Effect<X, A | MicrosandboxError.Internal, R> => Effect.mapError(self, error),
    stream: <X, R>(
      self: Stream.Stream<X, MicrosandboxError.MicrosandboxError, R>
    ): Stream.Stream<X, A | MicrosandboxError.Internal, R> => Stream.mapError(self, error)
  }
}

/** The narrowing of each per-operation union. */
export const narrow = {
  call: narrowTo(MicrosandboxError.CallError),
  lifecycle: narrowTo(MicrosandboxError.LifecycleError),
  control: narrowTo(MicrosandboxError.ControlError),
  exec: narrowTo(MicrosandboxError.ExecError),
  filesystem: narrowTo(MicrosandboxError.FilesystemError),
  logs: narrowTo(MicrosandboxError.LogsError),
  metrics: narrowTo(MicrosandboxError.MetricsError),
  ssh: narrowTo(MicrosandboxError.SshError),
  volume: narrowTo(MicrosandboxError.VolumeError),
  volumeFs: narrowTo(MicrosandboxError.VolumeFsError),
  image: narrowTo(MicrosandboxError.ImageError),
  snapshot: narrowTo(MicrosandboxError.SnapshotError),
  modify: narrowTo(MicrosandboxError.ModifyError)
}
