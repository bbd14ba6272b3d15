/**
 * The one check every argument passes before it crosses into C (see `checkArgs`).
 *
 * @internal
 */
import type { InvalidArgument } from "../errorModel.js"
import { invalidArgument, jsonProblem, show, stringProblem } from "../validate.js"
import type { NativeArg } from "./invoker.js"
import type { Signature } from "./signatures.js"

// The C parameters of an export's arguments as the caller passes them (without the
// cancel id and the output buffer), parsed once per export from its prototype.
interface Parameter {
  readonly type: string
  readonly name: string
}
const parameterLists = new Map<string, ReadonlyArray<Parameter>>()
const parametersOf = (spec: Signature): ReadonlyArray<Parameter> => {
  let params = parameterLists.get(spec.name)
  if (!params) {
    const list = spec.prototype.slice(spec.prototype.indexOf("(") + 1, spec.prototype.lastIndexOf(")"))
    params = list.split(",").map((p) => {
      const text = p.trim()
      const name = text.split(/[\s*]+/).pop() ?? ""
      return { type: text.slice(0, text.length - name.length).replace(/\s+/g, " ").trim(), name }
    }).filter((p) => p.name !== "cancel_id" && p.name !== "buf" && p.name !== "buf_len" && p.name !== "void")
    parameterLists.set(spec.name, params)
  }
  return params
}

const UNSIGNED_BITS: Record<string, bigint> = { uint8_t: 8n, uint16_t: 16n, uint32_t: 32n, uint64_t: 64n }

/** Why a value cannot be passed as a C integer of this type, or undefined. */
const integerProblem = (type: string, value: NativeArg): string | undefined => {
  const bits = UNSIGNED_BITS[type]
  const asBig = typeof value === "bigint"
    ? value
    : typeof value === "number" && Number.isSafeInteger(value)
    ? BigInt(value)
    : undefined
  if (asBig === undefined) return `must be an integer, got ${show(value)}`
  if (bits !== undefined) {
    return asBig >= 0n && asBig < 1n << bits ? undefined : `is out of range for ${type}: ${show(value)}`
  }
  if (type === "int32_t") {
    return asBig >= -(1n << 31n) && asBig < 1n << 31n
      ? undefined
      : `is out of range for int32_t: ${show(value)}`
  }
  return undefined
}

/**
 * The one check every argument passes before it crosses into C: a string must not
 * carry a NUL byte (C would cut it there: `remove("box\0x")` would remove `box`) nor
 * a lone surrogate (not encodable as UTF-8), a JSON document must not smuggle either
 * inside a string member, and an integer must fit its C type (koffi would otherwise
 * throw, or wrap). The error names the C parameter.
 */
export const checkArgs = (
  spec: Signature,
  args: ReadonlyArray<NativeArg>,
  ctx: { readonly operation: string; readonly sandbox?: string | undefined }
): InvalidArgument | undefined => {
  const params = parametersOf(spec)
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const param = params[i] ?? { type: "", name: `argument ${i}` }
    let problem: string | undefined
    if (param.type === "const char *" && arg === null) {
      // NULL: the C way of saying "absent" for an optional string or document.
      problem = undefined
    } else if (param.type === "const char *") {
      problem = typeof arg !== "string"
        ? `must be a string, got ${show(arg)}`
        : param.name.endsWith("json")
        ? jsonProblem(arg)
        : param.name.endsWith("_b64")
        // Base64 this library encoded (file contents, stdin): ASCII by construction, and
        // megabytes long; not scanned.
        ? undefined
        : stringProblem(arg)
    } else if (param.type === "bool") {
      problem = typeof arg === "boolean" ? undefined : `must be a boolean, got ${show(arg)}`
    } else if (param.type in UNSIGNED_BITS || param.type === "int32_t") {
      problem = integerProblem(param.type, arg)
    } else if (typeof arg === "string") {
      problem = stringProblem(arg)
    }
    if (problem !== undefined) {
      // String problems do not quote the value; the others already do.
      const shown = typeof arg === "string" ? `: ${show(arg)}` : ""
      return invalidArgument(ctx, param.name, `${param.name} ${problem}${shown}`)
    }
  }
  return undefined
}
