/**
 * An exec session: the command's target and options as the runtime reads them, and the
 * session owned by a Scope (opened, and released: killed unless opted out, then closed).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type { ExecEvent, ExecOptions, Rlimits } from "../../Exec.js"
import { onFirstUse } from "../compiled.js"
import * as Errors from "../errorModel.js"
import type { ExecError, MicrosandboxError } from "../errorModel.js"
import { narrow } from "../errors.js"
import * as NativeStream from "../nativeStream.js"
import { type SandboxCore, withHandle } from "../sandboxCore.js"
import * as W from "../wireCodec.js"

/** A running command: its handle and what has been observed of it. */
export interface Session {
  readonly core: SandboxCore
  readonly handle: bigint
  readonly label: string
  readonly killOnInterrupt: boolean
  /** A terminal event (or the end of the queue) was received. */
  finished: boolean
  /** The Started event's pid, once seen. */
  pid: Option.Option<number>
  /** Receives in flight on this handle (the runtime serializes them on a blocking mutex). */
  receiving: number
  /** The public operation that started it (carried by its errors). */
  readonly operation: string
  /** The last signal sent through this library (`signal`, `kill`). */
  lastSignal: Option.Option<number>
  /** Events received ahead of the consumer (a shared session's queued events), in order. */
  buffered: Array<ExecEvent>
  /** What the next receive yields instead (an end or failure met while draining a batch). */
  deferred: Effect.Effect<Option.Option<ExecEvent>, MicrosandboxError> | undefined
}

export type Target =
  | { readonly command: string; readonly args: ReadonlyArray<string> }
  | { readonly command?: undefined; readonly args: ReadonlyArray<string> }

/** The image's default command (entrypoint + cmd), with extra args appended. */
export const isDefault = (
  t: Target
): t is { readonly command?: undefined; readonly args: ReadonlyArray<string> } => t.command === undefined

const ExecHandleJson = Schema.Struct({
  handle: Schema.propertySignature(Schema.BigIntFromNumber).pipe(Schema.fromKey("exec_handle"))
})

const RLIMIT_FLAGS: Record<keyof Rlimits, string> = {
  nofile: "n",
  nproc: "u",
  core: "c",
  cpu: "t",
  fsize: "f",
  data: "d",
  stack: "s",
  as: "v",
  memlock: "l",
  rss: "m"
}

const invalid = (operation: string, core: SandboxCore, message: string) =>
  new Errors.InvalidArgument({ message, operation, sandbox: core.name })

/**
 * The runtime's exec options (§5.6.1) have no rlimit member in 0.6.14; limits are set
 * by the guest's /bin/sh (`ulimit`) before it execs the command.
 */
const withRlimits = (
  core: SandboxCore,
  operation: string,
  target: Target,
  rlimits: Rlimits | undefined
): Effect.Effect<Target, Errors.InvalidArgument> => {
  if (!rlimits || Object.keys(rlimits).length === 0) return Effect.succeed(target)
  if (isDefault(target)) {
    return Effect.fail(invalid(operation, core, "rlimits are not supported with the default command"))
  }
  const steps: Array<string> = []
  for (const [name, value] of Object.entries(rlimits)) {
    const flag = RLIMIT_FLAGS[name as keyof Rlimits]
    if (!flag) return Effect.fail(invalid(operation, core, `unknown rlimit ${name}`))
    const [soft, hard] = typeof value === "number" ? [value, undefined] : value!
    for (const v of [soft, hard]) {
      if (v !== undefined && !(Number.isInteger(v) && v >= 0)) {
        return Effect.fail(invalid(operation, core, `rlimit ${name} must be a non-negative integer`))
      }
    }
    if (hard !== undefined && soft! > hard) {
      return Effect.fail(invalid(operation, core, `rlimit ${name}: the soft limit exceeds the hard limit`))
    }
    // Lowering the hard limit below the current soft one needs the soft one lowered first;
    // raising needs the hard one raised first: try soft, set hard, set soft.
    if (hard !== undefined) {
      steps.push(`{ ulimit -S -${flag} ${soft} 2>/dev/null || :; }`, `ulimit -H -${flag} ${hard}`)
    }
    steps.push(`ulimit -S -${flag} ${soft}`)
  }
  return Effect.succeed({
    command: "/bin/sh",
    args: ["-c", `${steps.join(" && ")} && exec "$0" "$@"`, target.command, ...target.args]
  })
}

/** The options document of an exec (members checked before: checkExec). */
const OptionsJson = Schema.parseJson(Schema.Struct({
  args: W.optional(Schema.Array(Schema.Unknown), W.nonEmptyArray),
  cwd: W.optional(Schema.Unknown),
  user: W.optional(Schema.Unknown),
  env: W.optional(Schema.Object, W.nonEmptyRecord),
  tty: W.flagKey("tty"),
  stdinPipe: W.flagKey("stdin_pipe")
}))
const encodeOptions = onFirstUse(() => Schema.encodeSync(OptionsJson))

const optionsJson = (target: Target, options: ExecOptions<unknown>, stdinPipe: boolean): string =>
  encodeOptions({
    args: target.args,
    cwd: options.cwd,
    user: options.user,
    env: options.env,
    tty: options.tty === true,
    stdinPipe
  })

export const checkCwd = (core: SandboxCore, operation: string, cwd: string | undefined) =>
  cwd !== undefined && !cwd.startsWith("/")
    ? Effect.fail(invalid(operation, core, `cwd must be an absolute guest path: ${JSON.stringify(cwd)}`))
    : Effect.void

/** Opens a session owned by the current Scope; releasing it kills a still-running command (unless opted out) and closes the handle. */
export const open = (
  core: SandboxCore,
  operation: string,
  target: Target,
  options: ExecOptions<unknown>,
  stdinPipe: boolean
): Effect.Effect<Session, ExecError, Scope.Scope> =>
  Effect.gen(function*() {
    yield* checkCwd(core, operation, options.cwd)
    const resolved = yield* withRlimits(core, operation, target, options.rlimits)
    const label = resolved.command ?? "<default command>"
    const native = core.native
    const ctx = { operation, sandbox: core.name }
    const start = withHandle(core, operation, (h) =>
      native.callDecode(
        isDefault(resolved) ? "msb_sandbox_exec_default_stream" : "msb_sandbox_exec_stream",
        isDefault(resolved) ? [h, optionsJson(resolved, options, stdinPipe)] : [
          h,
          resolved.command,
          optionsJson(resolved, options, stdinPipe)
        ],
        ExecHandleJson,
        {
          ...ctx,
          onOrphan: (r) => {
            const handle = r.handle
            return native.call("msb_exec_kill", [handle], ctx).pipe(
              Effect.ignore,
              Effect.zipRight(native.call("msb_exec_close", [handle], ctx))
            )
          }
        }
      ))
    return yield* NativeStream.acquire(
      start,
      (r): Session => ({
        core,
        handle: r.handle,
        label,
        killOnInterrupt: options.killOnInterrupt ?? true,
        finished: false,
        pid: Option.none(),
        receiving: 0,
        operation,
        lastSignal: Option.none(),
        buffered: [],
        deferred: undefined
      }),
      (session) => close(session)
    )
  }).pipe(narrow.exec.effect, Effect.withSpan(operation, { attributes: { "msb.sandbox": core.name } }))

const close = (s: Session): Effect.Effect<void> => {
  const native = s.core.native
  const ctx = { operation: "Exec.release", sandbox: s.core.name }
  const kill = s.finished || !s.killOnInterrupt
    ? Effect.void
    : native.call("msb_exec_kill", [s.handle], ctx).pipe(Effect.ignore)
  return kill.pipe(
    Effect.zipRight(native.call("msb_exec_close", [s.handle], ctx)),
    Effect.catchAllCause((cause) => Effect.logWarning(`closing exec session of ${s.label} failed`, cause))
  )
}
