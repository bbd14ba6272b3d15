// Test access to the runtime double: its path, a layer over it, and its double-only
// control export (counters, fault injection, configuration).
import * as Effect from "effect/Effect"
import koffi from "koffi"
import { readFileSync } from "node:fs"
import * as Microsandbox from "../../src/Microsandbox.js"
import * as Sandbox from "../../src/Sandbox.js"

export const libraryPath: string = process.env.MSBD_LIBRARY ?? ""
if (!libraryPath) {
  throw new Error("MSBD_LIBRARY is not set: run the tests through vitest (global setup builds the double)")
}

const lib = koffi.load(libraryPath)
const controlFn = lib.func("void * msbd_control(const char * request, uint8_t * buf, uintptr_t buf_len)")
const freeFn = lib.func("void msb_free_string(void * ptr)")

export interface Counters {
  readonly strings: { allocated: number; freed: number; outstanding: number; bad_frees: number }
  readonly bytes: { allocated: number; freed: number; outstanding: number; bad_frees: number }
  readonly cancel_ids: { allocated: number; registered: number }
  readonly handles: Record<string, number>
  readonly calls: Record<string, number>
  readonly in_flight: Record<string, number>
  readonly max_in_flight: Record<string, number>
  /** Calls that returned success, per function. */
  readonly succeeded: Record<string, number>
  readonly internal_bugs: number
  readonly bug_notes: ReadonlyArray<string>
}

export const control = (request: Record<string, unknown>): unknown => {
  const buf = Buffer.alloc(1 << 20)
  const err = controlFn(JSON.stringify(request), buf, buf.length)
  if (err) {
    const text = koffi.decode.string(err)
    freeFn(err)
    throw new Error(text)
  }
  return JSON.parse(buf.toString("utf8", 0, buf.indexOf(0)))
}

export const counters = (): Counters => control({ op: "counters" }) as Counters
export const countersEffect: Effect.Effect<Counters> = Effect.sync(counters)

export interface Fault {
  readonly fn: string
  readonly kind?: string
  readonly message?: string
  readonly delay_ms?: number
  readonly hold_ms?: number
  readonly block?: boolean
  readonly count?: number
  readonly skip?: number
}
export const fault = (f: Fault): Effect.Effect<void> => Effect.sync(() => void control({ op: "fault", ...f }))
export const clearFaults: Effect.Effect<void> = Effect.sync(() => void control({ op: "clear_faults" }))
export const configure = (set: Record<string, unknown>): Effect.Effect<void> =>
  Effect.sync(() => void control({ op: "config", set }))

/** Total open handles across every namespace of the double. */
export const openHandles = (c: Counters = counters()): number =>
  Object.values(c.handles).reduce((a, b) => a + b, 0)

/**
 * What a test file may leave behind in the double: every count is 0 when all error
 * strings were freed once, every cancel id unregistered, every handle closed, and the
 * double met no internal bug. Compare with `nothingOutstanding`.
 */
export const outstanding = (c: Counters = counters()) => ({
  strings: c.strings.outstanding,
  badFrees: c.strings.bad_frees,
  cancelIds: c.cancel_ids.registered,
  handles: openHandles(c),
  internalBugs: c.internal_bugs
})
export const nothingOutstanding = {
  strings: 0,
  badFrees: 0,
  cancelIds: 0,
  handles: 0,
  internalBugs: 0
} as const

export const layer = (options: Omit<Microsandbox.Options, "libraryPath"> = {}) =>
  Microsandbox.layer({ ...options, libraryPath })

export const resetMaxInFlight: Effect.Effect<void> = Effect.sync(() =>
  void control({ op: "reset_max_in_flight" })
)

/** The host folder the double uses as a sandbox's root filesystem. */
export const rootfs = (name: string): string => `${process.env.MSB_HOME}/sandboxes/${name}/rootfs`

/** Polls `check` every 10 ms for up to 3 s; its final value. */
export const eventually = (check: () => boolean): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    for (let i = 0; i < 300 && !check(); i++) yield* Effect.sleep("10 millis")
    return check()
  })

/** A sandbox's status read through a fresh handle; "gone" when it has no record. */
export const status = (name: string) =>
  Sandbox.get(name).pipe(
    Effect.map((h): string => h.status),
    Effect.catchTag("SandboxNotFound", () => Effect.succeed("gone"))
  )

/** The system lines the double logged for a sandbox (its runtime.log), trimmed. */
export const systemLog = (name: string): ReadonlyArray<string> =>
  readFileSync(`${process.env.MSB_HOME}/sandboxes/${name}/logs/runtime.log`, "utf8").split("\n").filter(
    Boolean
  )
    .map((l) => Buffer.from(JSON.parse(l).data_b64, "base64").toString().trim())
