/**
 * Feeding a session's stdin.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { ExecEvent, ExecOptions } from "../../Exec.js"
import type { ExecError } from "../errorModel.js"
import { narrow } from "../errors.js"
import { stdinProblem } from "../inputs.js"
import { invalidArgument } from "../validate.js"
import { events } from "./receive.js"
import type { Session } from "./session.js"

const STDIN_PIECE = 256 * 1024

export const writeStdin = (s: Session, data: Uint8Array | string): Effect.Effect<void, ExecError> => {
  const refused = stdinProblem(data)
  if (refused !== undefined) {
    return Effect.fail(invalidArgument({ operation: "Exec.stdin", sandbox: s.core.name }, "data", refused))
  }
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data
  // A zero-length write would close the guest's stdin (docs/runtime-abi.md §5.6.4): skip it.
  if (bytes.length === 0) return Effect.void
  const pieces: Array<Uint8Array> = []
  for (let i = 0; i < bytes.length; i += STDIN_PIECE) pieces.push(bytes.subarray(i, i + STDIN_PIECE))
  return Effect.forEach(
    pieces,
    (piece) =>
      s.core.native.call("msb_exec_stdin_write", [s.handle, Buffer.from(piece).toString("base64")], {
        operation: "Exec.stdin",
        sandbox: s.core.name
      }),
    { discard: true }
  ).pipe(narrow.exec.effect)
}

export const closeStdin = (s: Session): Effect.Effect<void, ExecError> =>
  s.core.native.call("msb_exec_stdin_close", [s.handle], { operation: "Exec.stdin", sandbox: s.core.name })
    .pipe(
      Effect.asVoid,
      narrow.exec.effect
    )

const stdinFeed = <E>(
  s: Session,
  stdin: NonNullable<ExecOptions<E>["stdin"]>
): Effect.Effect<void, ExecError | E> =>
  (typeof stdin === "string" || stdin instanceof Uint8Array
    ? writeStdin(s, stdin)
    : Stream.runForEach(stdin, (chunk) => writeStdin(s, chunk))).pipe(Effect.zipRight(closeStdin(s)))

/** Events of a session, with its stdin fed in the background while they flow. */
export const eventsWithStdin = <E>(
  s: Session,
  options: ExecOptions<E>,
  batched = false
): Stream.Stream<ExecEvent, ExecError | E> =>
  options.stdin === undefined
    ? events(s, batched)
    : events(s, batched).pipe(Stream.drainFork(Stream.fromEffect(stdinFeed(s, options.stdin))))
