/**
 * The one place that touches raw memory: calls a shape-A/B/C export with a caller
 * buffer, decodes the JSON result, decodes and frees the error string exactly once.
 *
 * `createInvoker` is used on the main thread and, through workerMain.ts, inside each
 * park lane (a worker thread): it keeps no module state.
 *
 * @internal
 */

/** The outcome of one native call, as plain data that crosses threads. */
export type RawOutcome =
  /** success: the JSON text the call wrote */
  | { readonly t: "ok"; readonly json: string }
  /** the error string the call returned (already freed) */
  | { readonly t: "err"; readonly text: string }
  /** the call could not be made (missing symbol, marshalling failure) */
  | { readonly t: "fault"; readonly message: string }

/** A value passed to a native function: numbers and bigints for integers, strings, booleans. */
export type NativeArg = bigint | number | string | boolean | null

export interface KoffiFunction {
  (...args: ReadonlyArray<unknown>): unknown
  async: (...args: ReadonlyArray<unknown>) => void
}
export interface KoffiModule {
  load(path: string): { func(prototype: string): KoffiFunction; unload?(): void }
  decode: { string(ptr: unknown): string }
}

export interface Invoker {
  readonly missing: ReadonlyArray<string>
  /** Whether the library is this project's test double (it exports `msbd_control`). */
  readonly isTestDouble: boolean
  has(name: string): boolean
  /** Synchronous call of a JSON-shaped export on the calling thread (reuses one buffer per size). */
  callJson(name: string, args: ReadonlyArray<NativeArg>, bufferSize: number): RawOutcome
  /** Asynchronous call on libuv's pool; `buffer` must stay referenced until `done` runs. */
  callJsonAsync(
    name: string,
    args: ReadonlyArray<NativeArg>,
    buffer: Buffer,
    done: (outcome: RawOutcome) => void
  ): void
  /** Calls a void/scalar export (cancel ids, msb_set_sdk_msb_path). */
  callScalar(name: string, args: ReadonlyArray<NativeArg>): unknown
  /** Direct access to a declared function, for shape-D calls with out-pointers. */
  fn(name: string): KoffiFunction | undefined
  /** Decodes and frees an error pointer; null when the pointer is null. */
  takeError(ptr: unknown): string | null
}

export function createInvoker(
  koffi: KoffiModule,
  libraryPath: string,
  prototypes: ReadonlyArray<readonly [string, string]>,
  lazy = false
): Invoker {
  const lib = koffi.load(libraryPath)
  const fns = new Map<string, KoffiFunction>()
  const missing: Array<string> = []
  // Lazy (a worker lane): each function is declared on its first call, so a lane
  // declares the few exports it runs instead of all of them; `missing` stays empty.
  const later = new Map<string, string>()
  for (const [name, prototype] of prototypes) {
    if (lazy) {
      later.set(name, prototype)
      continue
    }
    try {
      fns.set(name, lib.func(prototype))
    } catch {
      missing.push(name)
    }
  }
  const declared = (name: string): KoffiFunction | undefined => {
    const f = fns.get(name)
    if (f !== undefined || !lazy) return f
    const prototype = later.get(name)
    if (prototype === undefined) return undefined
    later.delete(name)
    try {
      const g = lib.func(prototype)
      fns.set(name, g)
      return g
    } catch {
      return undefined
    }
  }
  let isTestDouble = false
  if (!lazy) {
    try {
      lib.func("void * msbd_control(const char * request, uint8_t * buf, uintptr_t buf_len)")
      isTestDouble = true
    } catch {
      // the real runtime library
    }
  }
  const free = declared("msb_free_string")
  const buffers = new Map<number, Buffer>()

  const takeError = (ptr: unknown): string | null => {
    if (ptr === null || ptr === undefined || ptr === 0n || ptr === 0) return null
    const text = koffi.decode.string(ptr)
    if (free) free(ptr)
    return text
  }
  const utf8 = new TextDecoder()
  // Result buffers are Buffers: Buffer's indexOf is a native memchr, a Uint8Array's a loop
  // (2–3 µs over a 5.5 KB exec event, against 0.1–0.4 µs).
  const readJson = (buffer: Buffer): string => {
    const end = buffer.indexOf(0)
    return utf8.decode(buffer.subarray(0, end < 0 ? buffer.length : end))
  }
  const settle = (ptr: unknown, buffer: Buffer): RawOutcome => {
    const text = takeError(ptr)
    return text === null ? { t: "ok", json: readJson(buffer) } : { t: "err", text }
  }

  return {
    missing,
    isTestDouble,
    has: (name) => declared(name) !== undefined,
    fn: (name) => declared(name),
    takeError,
    callJson(name, args, bufferSize) {
      const f = declared(name)
      if (!f) return { t: "fault", message: `symbol ${name} is not exported by ${libraryPath}` }
      let buffer = buffers.get(bufferSize)
      if (!buffer) {
        buffer = Buffer.alloc(bufferSize)
        // Keep the common sizes; drop rare huge ones after use.
        if (bufferSize <= 8 * 1024 * 1024) buffers.set(bufferSize, buffer)
      }
      buffer[0] = 0
      try {
        return settle(f(...args, buffer, buffer.length), buffer)
      } catch (e) {
        return { t: "fault", message: String(e) }
      }
    },
    callJsonAsync(name, args, buffer, done) {
      const f = declared(name)
      if (!f) return done({ t: "fault", message: `symbol ${name} is not exported by ${libraryPath}` })
      buffer[0] = 0
      try {
        f.async(...args, buffer, buffer.length, (err: unknown, ptr: unknown) => {
          if (err) return done({ t: "fault", message: String(err) })
          done(settle(ptr, buffer))
        })
      } catch (e) {
        done({ t: "fault", message: String(e) })
      }
    },
    callScalar(name, args) {
      const f = declared(name)
      if (!f) throw new Error(`symbol ${name} is not exported by ${libraryPath}`)
      return f(...args)
    }
  }
}
