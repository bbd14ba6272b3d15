/**
 * The `Microsandbox` service: the loaded runtime library and the threads its blocking
 * calls run on. Every other module's operations require it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Microsandbox } from "effect-microsandbox"
 *
 * const program = Effect.gen(function*() {
 *   const version = yield* Microsandbox.runtimeVersion
 *   yield* Effect.log(`runtime ${version}`)
 * })
 *
 * // Run it with `Effect.runPromise(runnable)` on a host with the runtime installed.
 * const runnable = program.pipe(Effect.provide(Microsandbox.layer()))
 * ```
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Schema from "effect/Schema"
import { availableParallelism, totalmem } from "node:os"
import { narrow } from "./internal/errors.js"
import { LANE_COST_MIB } from "./internal/ffi/executor.js"
import { koffiMaxAsyncCalls, loadLibrary, prototypes, SDK_RUNTIME_VERSION } from "./internal/ffi/loader.js"
import { makeNative, type NativeLibrary } from "./internal/ffi/native.js"
import { resolveNpmRuntime } from "./internal/install/msb.js"
import * as service from "./internal/service.js"
import { show, stringProblem } from "./internal/validate.js"
import { type CallError, LibraryNotLoaded, type LoadAttempt } from "./MicrosandboxError.js"

/**
 * The runtime version whose C ABI this SDK implements.
 *
 * @since 0.1.0
 * @category constants
 */
export const sdkVersion: string = SDK_RUNTIME_VERSION

/**
 * Resident memory of one lane (a worker thread hosting blocking native calls), in MiB.
 *
 * @since 0.1.0
 * @category constants
 */
export const laneCostMiB: number = LANE_COST_MIB

/**
 * The default memory budget of the lanes, in MiB: an eighth of the machine's memory, at
 * most 1024 (113 lanes), at least 72 (8 lanes).
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultLaneBudgetMiB = (): number =>
  Math.max(8 * LANE_COST_MIB, Math.min(1024, Math.floor(totalmem() / 1048576 / 8)))

/**
 * Which backend the runtime talks to, and why.
 *
 * @since 0.1.0
 * @category models
 */
export class BackendInfo extends Schema.Class<BackendInfo>("BackendInfo")({
  kind: Schema.String,
  apiUrl: Schema.OptionFromUndefinedOr(Schema.String),
  source: Schema.String,
  profile: Schema.OptionFromUndefinedOr(Schema.String)
}) {}

/** The backend document (`api_url` renamed, absent members as `None`) as a `BackendInfo`. */
const BackendInfoJson = Schema.transform(
  Schema.Struct({
    kind: Schema.String,
    apiUrl: Schema.optionalWith(Schema.String, { as: "Option" }).pipe(Schema.fromKey("api_url")),
    source: Schema.String,
    profile: Schema.optionalWith(Schema.String, { as: "Option" })
  }),
  Schema.typeSchema(BackendInfo),
  { strict: true, decode: (fields) => new BackendInfo(fields, { disableValidation: true }), encode: (b) => b }
)

/**
 * Options of the layer.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Load the runtime library from this path first (then MICROSANDBOX_FFI_PATH, then the install location). */
  readonly libraryPath?: string | undefined
  /**
   * The `msb` runtime executable the library should use (`msb_set_sdk_msb_path`); default:
   * the one in the npm package `@superradcompany/microsandbox-<platform>` when installed.
   */
  readonly msbPath?: string | undefined
  /**
   * Threads for blocking native calls (docs/internals.md). Each blocking call (a create,
   * a stop, a parked receive) holds one "lane", a worker thread started on demand and
   * stopped when idle, at about 9 MiB each (`laneCostMiB`).
   */
  readonly threads?: {
    /**
     * Memory the lanes may use together, in MiB (default: an eighth of the machine's
     * memory, at most 1024; or MICROSANDBOX_FFI_MEMORY_MIB). Lanes = budget / 9 MiB.
     */
    readonly memoryBudgetMiB?: number | undefined
    /** A hard cap on lanes, below what the budget allows (or MICROSANDBOX_FFI_THREADS). */
    readonly maxWorkers?: number | undefined
    /** Lanes that parked stream receives may hold at once; more take turns (default 8). */
    readonly receiveLanes?: number | undefined
    /** Time slice of parked receives when more are waiting than they may hold (default 50 ms). */
    readonly sliceMs?: number | undefined
    /** Lanes idle this long are stopped, all but one (default 10,000 ms). */
    readonly idleMs?: number | undefined
  } | undefined
}

/**
 * The service.
 *
 * @since 0.1.0
 * @category models
 */
export interface MicrosandboxService {
  /** The path the runtime library was loaded from. */
  readonly libraryPath: string
  /** Where that path came from. */
  readonly librarySource: LoadAttempt["source"]
  /** Whether the loaded library is this project's runtime double (tests), not the real runtime. */
  readonly isTestDouble: boolean
  /** The runtime version this SDK implements. */
  readonly sdkVersion: string
  /** The version the loaded library reports (`msb_version`). */
  readonly runtimeVersion: Effect.Effect<string, CallError>
  /** The default backend (`msb_default_backend_info`). */
  readonly backendInfo: Effect.Effect<BackendInfo, CallError>
  /** @internal */
  readonly native: NativeLibrary
}

/**
 * The service tag.
 *
 * @since 0.1.0
 * @category tags
 */
export const Microsandbox: typeof service.Microsandbox = service.Microsandbox
/**
 * @since 0.1.0
 * @category tags
 */
export type Microsandbox = service.Microsandbox

const positiveInt = (name: string) =>
  Config.option(Config.integer(name)).pipe(
    Effect.map(Option.filter((n) => n > 0)),
    Effect.orElseSucceed(() => Option.none<number>())
  )

// Options from a JavaScript caller or from Config: a path C would cut, or a thread
// count that is not a positive integer, is refused before anything is loaded.
const checkOptions = (options: unknown): Effect.Effect<void, LibraryNotLoaded> =>
  Effect.suspend(() => {
    const refuse = (option: string, problem: string) =>
      Effect.fail(
        new LibraryNotLoaded({
          message: `invalid Microsandbox option ${option}: ${problem}`,
          operation: "Microsandbox.load",
          attempts: []
        })
      )
    if (typeof options !== "object" || options === null) {
      return refuse("options", `not an object: ${show(options)}`)
    }
    const o = options as Record<string, unknown>
    for (const key of ["libraryPath", "msbPath"] as const) {
      const value = o[key]
      if (value === undefined) {
        continue
      }
      if (typeof value !== "string") return refuse(key, `not a path: ${show(value)}`)
      const problem = stringProblem(value)
      if (problem !== undefined) return refuse(key, `the path ${problem}: ${show(value)}`)
    }
    const threads = o.threads
    if (threads !== undefined) {
      if (typeof threads !== "object" || threads === null) {
        return refuse("threads", `not an object: ${show(threads)}`)
      }
      for (const [key, value] of Object.entries(threads)) {
        if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) > 0)) {
          return refuse(`threads.${key}`, `must be a positive integer, got ${show(value)}`)
        }
      }
    }
    return Effect.void
  })

/**
 * Loads the runtime library and starts its thread pool; both are released with the Scope.
 * Fails with `LibraryNotLoaded` when no library loads, or when an option cannot be used
 * (a path with a NUL byte, a thread count that is not a positive integer).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<MicrosandboxService, LibraryNotLoaded, import("effect/Scope").Scope> =>
  Effect.gen(function*() {
    yield* checkOptions(options)
    const loaded = yield* loadLibrary(options.libraryPath)
    const envThreads = yield* positiveInt("MICROSANDBOX_FFI_THREADS")
    const envBudget = yield* positiveInt("MICROSANDBOX_FFI_MEMORY_MIB")
    const budgetMiB = options.threads?.memoryBudgetMiB ?? Option.getOrElse(envBudget, defaultLaneBudgetMiB)
    const byBudget = Math.max(2, Math.floor(budgetMiB / LANE_COST_MIB))
    const cap = options.threads?.maxWorkers ?? Option.getOrUndefined(envThreads)
    const uvPoolSize = Number(process.env.UV_THREADPOOL_SIZE ?? "4") || 4
    const native = makeNative(loaded, prototypes, {
      maxWorkers: Math.max(1, cap === undefined ? byBudget : Math.min(cap, byBudget)),
      recvLanes: Math.max(1, options.threads?.receiveLanes ?? 8),
      spawnConcurrency: Math.max(2, availableParallelism()),
      sliceMs: options.threads?.sliceMs ?? 50,
      uvPoolSize,
      workerIdleMs: options.threads?.idleMs ?? 10_000,
      maxAsyncCalls: koffiMaxAsyncCalls()
    })
    yield* Effect.addFinalizer(() => Effect.promise(() => native.executor.shutdown()))
    // Default: the msb of the npm runtime package (issue 6). The runtime's MSB_PATH still wins.
    const msbPath = options.msbPath ??
      Option.getOrUndefined(Option.map(resolveNpmRuntime(), (r) => r.msbPath))
    if (msbPath !== undefined) {
      loaded.invoker.callScalar("msb_set_sdk_msb_path", [msbPath])
    }
    const runtimeVersion = native.callDecode("msb_version", [], Schema.Struct({ version: Schema.String }), {
      operation: "Microsandbox.runtimeVersion"
    }).pipe(Effect.map((r) => r.version))
    const backendInfo = native.callDecode("msb_default_backend_info", [], BackendInfoJson, {
      operation: "Microsandbox.backendInfo"
    })
    const version = yield* Effect.either(runtimeVersion)
    if (version._tag === "Right") {
      native.setRuntimeVersion(version.right)
      yield* Effect.annotateCurrentSpan({ "msb.library": loaded.path, "msb.runtime_version": version.right })
    }
    if (version._tag === "Right" && version.right !== SDK_RUNTIME_VERSION) {
      yield* Effect.logWarning(
        `runtime library ${loaded.path} reports version ${version.right}; this SDK implements ${SDK_RUNTIME_VERSION}`
      )
    }
    const runtime = yield* Effect.runtime<never>()
    native.executor.onSaturation((message) => Runtime.runFork(runtime)(Effect.logWarning(message)))
    return {
      libraryPath: loaded.path,
      librarySource: loaded.source,
      isTestDouble: loaded.invoker.isTestDouble,
      sdkVersion: SDK_RUNTIME_VERSION,
      // A loaded library's version cannot change: read once above, answered from then on.
      runtimeVersion: version._tag === "Right"
        ? Effect.succeed(version.right)
        : narrow.call.effect(runtimeVersion),
      backendInfo: narrow.call.effect(backendInfo),
      native
    } satisfies MicrosandboxService
  }).pipe(
    Effect.withSpan("Microsandbox.make", { attributes: { "msb.sdk_version": SDK_RUNTIME_VERSION } })
  )

/**
 * A layer providing `Microsandbox`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Microsandbox, LibraryNotLoaded> =>
  Layer.scoped(Microsandbox, make(options))

/**
 * A layer whose options come from `Config`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config.Wrap<Options>
): Layer.Layer<Microsandbox, LibraryNotLoaded | import("effect/ConfigError").ConfigError> =>
  Layer.scoped(Microsandbox, Effect.flatMap(Config.unwrap(config), make))

/**
 * The version the loaded runtime library reports.
 *
 * @since 0.1.0
 * @category accessors
 */
export const runtimeVersion: Effect.Effect<string, CallError, Microsandbox> = Effect.flatMap(
  Microsandbox,
  (m) => m.runtimeVersion
)

/**
 * The runtime's default backend.
 *
 * @since 0.1.0
 * @category accessors
 */
export const backendInfo: Effect.Effect<BackendInfo, CallError, Microsandbox> = Effect.flatMap(
  Microsandbox,
  (m) => m.backendInfo
)
