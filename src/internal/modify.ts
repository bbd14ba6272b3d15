/**
 * Live modification (runtime-abi.md §5.4.1): the patch validated and encoded, the plan
 * decoded.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Errors from "../MicrosandboxError.js"
import type { ModifyError, ModifyOptions } from "../Modification.js"
import { narrow } from "./errors.js"
import type { NativeArg } from "./ffi/invoker.js"
import { malformed, type NativeLibrary } from "./ffi/native.js"
import { ModificationPlan, Patch, Policy } from "./modifyModel.js"
import { type SandboxCore, withHandle } from "./sandboxCore.js"
import { attributeOf, show } from "./validate.js"
import { renamed } from "./wireCodec.js"

const decodePatch = Schema.decodeUnknownEither(Patch, { onExcessProperty: "error" })
const decodePolicy = Schema.decodeUnknownEither(Policy)
const decodePlan = Schema.decodeUnknown(Schema.parseJson(ModificationPlan))
/** The `opts_json` document of the modify calls around the patch. */
const EnvelopeJson = Schema.parseJson(Schema.Struct({
  patch: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  policy: Schema.typeSchema(Policy),
  dryRun: renamed("dry_run", Schema.Boolean)
}))
const encodeEnvelope = Schema.encodeSync(EnvelopeJson)

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
  const p = decoded.right
  const wire: Record<string, unknown> = {}
  if (p.cpus !== undefined) wire.cpus = p.cpus
  if (p.maxCpus !== undefined) wire.max_cpus = p.maxCpus
  if (p.memoryMib !== undefined) wire.memory_mib = p.memoryMib
  if (p.maxMemoryMib !== undefined) wire.max_memory_mib = p.maxMemoryMib
  if (p.rootDiskSizeMib !== undefined) wire.root_disk_size_mib = p.rootDiskSizeMib
  if (p.env) wire.env = Object.entries(p.env).map(([key, value]) => ({ key, value }))
  if (p.envRemove?.length) wire.env_remove = p.envRemove
  if (p.labels) wire.labels = Object.entries(p.labels)
  if (p.labelsRemove?.length) wire.labels_remove = p.labelsRemove
  if (p.workdir !== undefined) wire.workdir = p.workdir
  if (p.secrets?.length) {
    wire.secrets = p.secrets.map((s) => {
      const out: Record<string, unknown> = { name: s.name }
      if (s.fromEnv !== undefined) out.source = { kind: "env", var: s.fromEnv }
      if (s.fromStore !== undefined) out.source = { kind: "store", reference: s.fromStore }
      if (s.value !== undefined) out.value = Redacted.value(s.value)
      if (s.placeholder !== undefined) out.placeholder = s.placeholder
      if (s.allowedHosts?.length) out.allowed_hosts = s.allowedHosts
      return out
    })
  }
  if (p.secretsRemove?.length) wire.secrets_remove = p.secretsRemove
  return Either.right(encodeEnvelope({ patch: wire, policy: policy.right, dryRun: options.dryRun === true }))
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
