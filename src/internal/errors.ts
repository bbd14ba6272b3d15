/**
 * Decoding of the runtime's error documents into MicrosandboxError classes.
 *
 * @internal
 */
import * as MicrosandboxError from "../MicrosandboxError.js"

export interface ErrorContext {
  readonly operation: string
  readonly sandbox?: string | undefined
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

/** The typed error for a runtime error document (never called with `cancelled`). */
export const fromDocument = (
  doc: RuntimeErrorDocument,
  ctx: ErrorContext
): MicrosandboxError.MicrosandboxError => {
  if (!isKnownKind(doc.kind)) {
    return new MicrosandboxError.Unknown({ ...fields(doc.message, ctx), kind: doc.kind })
  }
  switch (doc.kind) {
    case "path_not_found":
      return new MicrosandboxError.PathNotFound({ ...fields(doc.message, ctx), path: "" })
    default: {
      const Class = MicrosandboxError.runtimeKinds[doc.kind] as new(
        args: ReturnType<typeof fields>
      ) => MicrosandboxError.MicrosandboxError
      return new Class(fields(doc.message, ctx))
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
