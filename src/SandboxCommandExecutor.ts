/**
 * `@effect/platform`'s `CommandExecutor` over a sandbox's exec sessions, so
 * `Command.make(...)` programs run in the guest unchanged.
 *
 * Each command is one `sandbox.spawn` session, owned by the Scope of `start` (or by the
 * collecting call: `Command.string`, `lines`, `exitCode`, `stream`…); a command still
 * running when that Scope closes is killed. The `Process` has:
 *
 * - `stdout` and `stderr`: separate streams, each readable once. The session's events are
 *   read as they arrive and each output is buffered until read (as the runtime itself
 *   buffers a session's events), so leaving stderr unread never stalls stdout or the exit.
 *   `Command.stdout("inherit")` / `stderr("inherit")` write to this process's own output.
 * - `stdin`: a Sink over the command's stdin (EOF when it ends); `Command.feed` and
 *   `Command.stdin(stream)` feed it in the background; `Command.stdin("inherit")` starts the
 *   command without a stdin pipe.
 * - `exitCode` (fails with `SystemError` reason `Unknown` after a signal, as on Node),
 *   `isRunning`, `kill(signal)` with the platform's `Signal` names (Linux numbers; `SIGBREAK`,
 *   `SIGLOST`, `SIGINFO` are `BadArgument`), which waits for the exit as on Node.
 *
 * `Command.workingDirectory` is an absolute guest path (a relative one is `BadArgument`);
 * `Command.env` extends the guest's environment; `Command.runInShell` runs `/bin/sh -c`
 * (or the given shell) in the guest. Pipelines (`Command.pipeTo`) run each stage in the
 * guest, their data relayed stage to stage through this process. A program that cannot
 * start fails `start` with `SystemError` (`NotFound` for a missing program or working
 * directory, `PermissionDenied` for one that is not executable). Not supported
 * (`BadArgument`): `extendEnv: false` and a `gid`; a `uid` runs the command as that user.
 *
 * @example
 * ```ts
 * import { Command } from "@effect/platform"
 * import { Effect } from "effect"
 * import { SandboxCommandExecutor, type Sandbox } from "effect-microsandbox"
 *
 * const listing = (sandbox: Sandbox.Sandbox) =>
 *   Command.make("ls", "-la").pipe(
 *     Command.workingDirectory("/app"),
 *     Command.string,
 *     Effect.provide(SandboxCommandExecutor.layer(sandbox))
 *   )
 * ```
 *
 * @since 0.1.0
 */
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import { CommandExecutor as CommandExecutorTag } from "@effect/platform/CommandExecutor"
import * as Layer from "effect/Layer"
import * as internal from "./internal/platform/commandExecutor.js"
import type { Sandbox } from "./Sandbox.js"

/**
 * A `CommandExecutor` running commands in a sandbox (anything with `spawn`, such as a
 * `Sandbox`). Valid while the sandbox is.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (sandbox: Pick<Sandbox, "spawn">): CommandExecutor.CommandExecutor =>
  internal.make(sandbox)

/**
 * A layer providing `CommandExecutor.CommandExecutor` over a sandbox.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (sandbox: Pick<Sandbox, "spawn">): Layer.Layer<CommandExecutor.CommandExecutor> =>
  Layer.sync(CommandExecutorTag, () => make(sandbox))
