/**
 * Live modification (runtime-abi.md §5.4.1): the patch validated and encoded, the plan
 * decoded.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { ModifyError, ModifyOptions } from "../Modification.js"
import { onFirstUse } from "./compiled.js"
import * as Errors from "./errorModel.js"
import { narrow } from "./errors.js"
import type { NativeArg } from "./ffi/invoker.js"
import { malformed, type NativeLibrary } from "./ffi/native.js"
import { ModificationPlan, Patch, Policy, SecretPatch } from "./modifyModel.js"
import { type SandboxCore, withHandle } from "./sandboxCore.js"
import { attributeOf, show } from "./validate.js"
import * as W from "./wireCodec.js"

const decodePatch = onFirstUse(() => Schema.decodeUnknownEither(Patch, { onExcessProperty: "error" }))
const decodePolicy = onFirstUse(() => Schema.decodeUnknownEither(Policy))
const decodePlan = onFirstUse(() => Schema.decodeUnknown(Schema.parseJson(ModificationPlan)))
const Strings = Schema.Array(Schema.String)
/** A map written as `[key, value]` pairs, or as `{ key, value }` entries. */
const PairsFromMap = Schema.transform(
  Schema.Array(Schema.Tuple(Schema.String, Schema.String)),
  Schema.Record({ key: Schema.String, value: Schema.String }),
  { strict: true, decode: (pairs) => Object.fromEntries(pairs), encode: (map) => Object.entries(map) }
)
const EntriesFromMap = Schema.transform(
  Schema.Array(Schema.Struct({ key: Schema.String, value: Schema.String })),
  Schema.Record({ key: Schema.String, value: Schema.String }),
  {
    strict: true,
    decode: (entries) => Object.fromEntries(entries.map((e) => [e.key, e.value])),
    encode: (map) => Object.entries(map).map(([key, value]) => ({ key, value }))
  }
)
const SecretSource = Schema.Union(
  Schema.Struct({ kind: Schema.Literal("env"), var: Schema.String }),
  Schema.Struct({ kind: Schema.Literal("store"), reference: Schema.String })
)
/** A secret of the patch: where its value comes from under `source`; a literal value revealed here. */
const SecretPatchWire = Schema.transform(
  Schema.Struct({
    name: Schema.String,
    source: W.optional(SecretSource),
    value: W.optional(Schema.Redacted(Schema.String)),
    placeholder: W.optional(Schema.String),
    allowedHosts: W.optionalKey("allowed_hosts", Strings, W.nonEmptyArray)
  }),
  Schema.typeSchema(SecretPatch),
  {
    strict: false,
    decode: ({ source, ...rest }) => ({
      ...rest,
      ...(source?.kind === "env" ? { fromEnv: source.var } : {}),
      ...(source?.kind === "store" ? { fromStore: source.reference } : {})
    }),
    encode: ({ fromEnv, fromStore, ...rest }) => ({
      ...rest,
      source: fromEnv !== undefined
        ? { kind: "env" as const, var: fromEnv }
        : fromStore !== undefined
        ? { kind: "store" as const, reference: fromStore }
        : undefined
    })
  }
)
/** The `patch` member of the modify calls' `opts_json`. */
const PatchWire = Schema.Struct({
  cpus: W.optional(Schema.Number),
  maxCpus: W.optionalKey("max_cpus", Schema.Number),
  memoryMib: W.optionalKey("memory_mib", Schema.Number),
  maxMemoryMib: W.optionalKey("max_memory_mib", Schema.Number),
  rootDiskSizeMib: W.optionalKey("root_disk_size_mib", Schema.Number),
  env: W.optional(EntriesFromMap),
  envRemove: W.optionalKey("env_remove", Strings, W.nonEmptyArray),
  labels: W.optional(PairsFromMap),
  labelsRemove: W.optionalKey("labels_remove", Strings, W.nonEmptyArray),
  workdir: W.optional(Schema.String),
  secrets: W.optional(Schema.Array(SecretPatchWire), W.nonEmptyArray),
  secretsRemove: W.optionalKey("secrets_remove", Strings, W.nonEmptyArray)
})
/** The `opts_json` document of the modify calls. */
const EnvelopeJson = Schema.parseJson(Schema.Struct({
  patch: PatchWire,
  policy: Schema.typeSchema(Policy),
  dryRun: W.field("dry_run", Schema.Boolean)
}))
const encodeEnvelope = onFirstUse(() => Schema.encodeSync(EnvelopeJson))

/** The `opts_json` of the modify calls, or the InvalidConfig naming the offending member. */
export const encodeRequest = (
  patch: unknown,
  options: ModifyOptions,
  ctx: { readonly operation: string; readonly sandbox: string }
): Either.Either<string, Errors.InvalidConfig> => {
  const invalid = (field: string, message: string) =>
    Either.left(new Errors.InvalidConfig({ message, operation: ctx.operation, sandbox: ctx.sandbox, field }))
  const decoded = decodePatch(patch)
  if (Either.isLeft(decoded)) {
    const issue = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)[0]
    return invalid(
      issue ? issue.path.join(".") || "patch" : "patch",
      `invalid modification patch: ${ParseResult.TreeFormatter.formatErrorSync(decoded.left)}`
    )
  }
  const policy = decodePolicy(options.policy ?? "no_restart")
  if (Either.isLeft(policy)) {
    return invalid("policy", `invalid modification policy: ${String(options.policy)}`)
  }
  return Either.right(
    encodeEnvelope({ patch: decoded.right, policy: policy.right, dryRun: options.dryRun === true })
  )
}

const run = (
  native: NativeLibrary,
  fn: "msb_sandbox_modify" | "msb_sandbox_handle_modify",
  args: (opts: string) => Effect.Effect<ReadonlyArray<NativeArg>, Errors.InvalidHandle>,
  patch: unknown,
  options: ModifyOptions,
  ctx: { readonly operation: string; readonly sandbox: string }
): Effect.Effect<ModificationPlan, ModifyError> =>
  Effect.suspend(() => {
    if (typeof options !== "object" || options === null) {
      return Effect.fail(
        new Errors.InvalidConfig({
          message: `invalid modification options: must be an object, got ${show(options)}`,
          operation: ctx.operation,
          sandbox: ctx.sandbox,
          field: "options"
        })
      )
    }
    const request = encodeRequest(patch, options, ctx)
    if (Either.isLeft(request)) return Effect.fail(request.left)
    return args(request.right).pipe(
      Effect.flatMap((a) => native.call(fn, a, ctx)),
      Effect.flatMap((json) => Effect.mapError(decodePlan(json), (e) => malformed(fn, json, e, ctx))),
      narrow.modify.effect
    )
  }).pipe(
    Effect.withSpan(ctx.operation, {
      attributes: {
        "msb.sandbox": ctx.sandbox,
        "msb.modify.policy": attributeOf(options?.policy ?? "no_restart"),
        "msb.modify.dry_run": options?.dryRun === true
      }
    })
  )

/** `sandbox.modify`: through the live handle. */
export const modifyLive = (
  core: SandboxCore,
  patch: unknown,
  options: ModifyOptions = {}
): Effect.Effect<ModificationPlan, ModifyError> =>
  run(
    core.native,
    "msb_sandbox_modify",
    (opts) =>
      withHandle(core, "Sandbox.modify", (h) => Effect.succeed([h, opts] as ReadonlyArray<NativeArg>)),
    patch,
    options,
    { operation: "Sandbox.modify", sandbox: core.name }
  )

/** `handle.modify`: by name, without a connection (does not start a stopped sandbox). */
export const modifyByName = (
  native: NativeLibrary,
  name: string,
  patch: unknown,
  options: ModifyOptions = {}
): Effect.Effect<ModificationPlan, ModifyError> =>
  run(
    native,
    "msb_sandbox_handle_modify",
    (opts) => Effect.succeed([name, opts]),
    patch,
    options,
    { operation: "SandboxHandle.modify", sandbox: name }
  )
