/**
 * What happens to a sandbox when its Scope closes: the release policy, the release
 * itself, and parallel release.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import type * as SandboxConfig from "../../SandboxConfig.js"
import { guardOnFirstUse } from "../compiled.js"
import { ReleasePolicy } from "../config/model.js"
import type { SandboxCore } from "../sandboxCore.js"
import { MAX_UNITS } from "../validate.js"

const millis = (d: Duration.DurationInput | undefined, dflt: number): bigint =>
  d === undefined
    ? BigInt(dflt)
    : BigInt(Math.min(MAX_UNITS, Math.ceil(Duration.toMillis(Duration.decode(d)))))

const isReleasePolicy = guardOnFirstUse(() => Schema.is(ReleasePolicy))

const releasePolicy = (core: SandboxCore, exit: Exit.Exit<unknown, unknown>): SandboxConfig.ReleasePolicy => {
  const configured: unknown = core.config.release
  // Configurations are decoded before a sandbox exists; should one still carry an
  // unknown policy, the sandbox is stopped rather than left running.
  const policy = isReleasePolicy(configured) ? configured : core.owns ? "stop" : "detach"
  // A defect anywhere in the exit's Cause (inside a parallel or sequential composition,
  // next to a failure or an interruption) is no time for a graceful shutdown.
  if (policy === "stop" && Exit.isFailure(exit) && Cause.isDie(exit.cause)) {
    return "kill"
  }
  return policy
}

const logged = <E>(what: string, core: SandboxCore) => (self: Effect.Effect<unknown, E>) =>
  self.pipe(
    Effect.asVoid,
    Effect.catchAllCause((cause) =>
      Effect.logWarning(`${what} of sandbox ${core.name} failed`, cause).pipe(
        Effect.annotateLogs({ sandbox: core.name })
      )
    )
  )

/** Stops (or kills, or detaches) per policy and closes the handle. Never fails. */
export const release = (core: SandboxCore, exit: Exit.Exit<unknown, unknown>): Effect.Effect<void> =>
  Effect.suspend(() => {
    if (core.state !== "open") return Effect.void
    const h = core.handle
    const n = core.native
    const ctx = { operation: "Sandbox.release", sandbox: core.name }
    const policy = releasePolicy(core, exit)
    const close = Effect.suspend(() => {
      core.state = "closed"
      return n.call("msb_sandbox_close", [h], ctx).pipe(logged("closing the handle", core))
    })
    const kill = n.call("msb_sandbox_kill", [h, 5000n], ctx)
    switch (policy) {
      case "detach": {
        core.state = "detached"
        return (core.owns ? n.call("msb_sandbox_detach", [h], ctx) : n.call("msb_sandbox_close", [h], ctx))
          .pipe(
            logged("detaching", core)
          )
      }
      case "kill":
        return kill.pipe(logged("killing", core), Effect.zipRight(close))
      case "stop": {
        const timeout = millis(core.config.releaseTimeout, 10_000)
        return n.call("msb_sandbox_stop", [h, timeout], ctx).pipe(
          Effect.catchAllCause((cause) =>
            Effect.logWarning(`stopping sandbox ${core.name} failed; killing it`, cause).pipe(
              Effect.zipRight(kill),
              logged("killing", core)
            )
          ),
          Effect.zipRight(close)
        )
      }
    }
  }).pipe(
    Effect.uninterruptible,
    Effect.withSpan("Sandbox.release", { attributes: { "msb.sandbox": core.name } })
  )

/**
 * Each sandbox's release is an ordinary finalizer of its Scope: a sequential Scope
 * releases its sandboxes and other resources last-in-first-out. Parallel release is the
 * Scope's own strategy (see `Sandbox.parallelRelease`).
 */
export const register = (scope: Scope.Scope, core: SandboxCore): Effect.Effect<void> =>
  Scope.addFinalizerExit(scope, (exit) => release(core, exit))

/** Runs `self` in a child of the current Scope whose finalizers run concurrently (at most `concurrency`). */
export const parallelRelease = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  concurrency: number | "unbounded"
): Effect.Effect<A, E, R | Scope.Scope> =>
  Effect.flatMap(Scope.Scope, (scope) =>
    Effect.flatMap(
      Scope.fork(
        scope,
        concurrency === "unbounded" ? ExecutionStrategy.parallel : ExecutionStrategy.parallelN(concurrency)
      ),
      (child) => Scope.extend(self, child)
    ))
