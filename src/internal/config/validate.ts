/**
 * Validation of a configuration: the sandbox name's rules, and decoding through the
 * model with the first problem reported as `InvalidConfig` naming the member.
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { SandboxConfig as Config } from "../../SandboxConfig.js"
import { onFirstUse } from "../compiled.js"
import { InvalidConfig } from "../errorModel.js"
import { isLocalPath, show } from "../validate.js"
import { isDiskImagePath, SandboxConfig } from "./model.js"

/** The member under which options keep a value they cannot use (see `SandboxConfig.make`). */
export const OPTIONS_KEY = "options"

const utf8Bytes = (s: string) => new TextEncoder().encode(s).length

/** Whether the root filesystem is a disk image. */
export const hasDiskImageRoot = (c: Config): boolean =>
  typeof c.image === "string" &&
  (c.imageFstype !== undefined || (isLocalPath(c.image) && isDiskImagePath(c.image)))

/** Whether the root filesystem comes from an OCI image (not a local path). */
export const hasOciImage = (c: Config): boolean => typeof c.image === "string" && !isLocalPath(c.image)

/**
 * Checks a sandbox name: a string of 1–128 bytes, an ASCII letter or digit first,
 * then `[A-Za-z0-9._-]`. Returns the reason, or undefined.
 */
export const checkName = (name: string): string | undefined => {
  if (typeof name !== "string") return `sandbox name must be a string, got ${show(name)}`
  if (name.length === 0) return "sandbox name must not be empty"
  if (name.length > 128 || utf8Bytes(name) > 128) {
    return `sandbox name is ${utf8Bytes(name)} bytes long; the limit is 128`
  }
  if (!/^[A-Za-z0-9]/.test(name)) {
    return `sandbox name must start with an ASCII letter or digit: ${show(name)}`
  }
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    return `sandbox name may only contain [A-Za-z0-9._-]: ${show(name)}`
  }
  return undefined
}

const decodeConfig = onFirstUse(() =>
  Schema.decodeUnknownEither(SandboxConfig, { onExcessProperty: "error" })
)

const firstProblem = (error: ParseResult.ParseError): readonly [field: string, message: string] => {
  const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
  if (!issue) return ["config", "invalid configuration"]
  const field = issue.path.length > 0 ? String(issue.path[0]) : "config"
  const where = issue.path.length > 1 ? `${issue.path.slice(1).map(String).join(".")}: ` : ""
  // A member the Schema does not know: under "options", a value an option could not use.
  if (issue._tag === "Unexpected") {
    return field === OPTIONS_KEY
      ? [field, "not a valid option (options are functions from SandboxConfig.*)"]
      : [field, `not a configuration member`]
  }
  return [field, `${where}${issue.message}`]
}

/**
 * Decodes a configuration for a sandbox name, whatever its origin (options, a value
 * loaded from JSON, a JavaScript caller): the first problem as `InvalidConfig` naming
 * the member. Succeeds with the decoded configuration.
 */
export const validate = (name: string, config: Config, operation = "Sandbox.make"): Either.Either<
  Config,
  InvalidConfig
> => {
  const fail = (field: string, message: string) =>
    Either.left(
      new InvalidConfig({
        message: `invalid config: ${field}: ${message}`,
        operation,
        ...(typeof name === "string" ? { sandbox: name } : {}),
        field
      })
    )
  const nameProblem = checkName(name)
  if (nameProblem !== undefined) return fail("name", nameProblem)
  if (typeof config !== "object" || config === null) {
    return fail("config", `a configuration must be an object, got ${show(config)}`)
  }
  return Either.match(decodeConfig(config), {
    onLeft: (error) => fail(...firstProblem(error)),
    onRight: (valid): Either.Either<Config, InvalidConfig> => Either.right(valid)
  })
}
