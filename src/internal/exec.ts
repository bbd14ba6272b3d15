/**
 * Exec sessions over the runtime's streaming exec: every command (collected or
 * streamed) runs as a session whose handle is owned by a Scope; output is read from
 * events, each decoded through a Schema (stdout/stderr in the runtimes' exact form by a
 * checked fast path). A pull receives one event, then takes what is already queued.
 *
 * The concepts live in internal/exec/: the session (`session.ts`), the event documents
 * (`wire.ts`), receiving (`receive.ts`), stdin (`stdin.ts`), streamed and collected
 * commands (`run.ts`), spawned processes (`process.ts`) and attach (`attach.ts`).
 *
 * @internal
 */
export { attach } from "./exec/attach.js"
export { spawn } from "./exec/process.js"
export { events } from "./exec/receive.js"
export { collect, collectEvents, stream } from "./exec/run.js"
export { open, type Session, type Target } from "./exec/session.js"
export { closeStdin, eventsWithStdin, writeStdin } from "./exec/stdin.js"
export { parseEvent } from "./exec/wire.js"
