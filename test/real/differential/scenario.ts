// One sequence of raw exports, run against whichever C-ABI library LIBRARY names (the real
// runtime's or the double), in a process of its own with its own MSB_HOME. Prints one
// JSON document: for each step, the answer normalized (kind and message of an error, the
// members and their types of a document, the values that must agree). Read by
// test/real/differential.test.ts, which runs it against both libraries and compares.
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import type { FunctionName } from "../../../src/internal/ffi/signatures.js"
import * as Microsandbox from "../../../src/Microsandbox.js"

const library = process.env.LIBRARY!
const home = process.env.MSB_HOME!
const rootfs = join(home, "rootfs")
for (const dir of ["bin", "etc", "tmp"]) mkdirSync(join(rootfs, dir), { recursive: true })

type Step = { readonly step: string } & Record<string, unknown>

/** The shape of a document: member → JSON type, recursively for objects (arrays: first item). */
const shape = (value: unknown): unknown =>
  value === null
    ? "null"
    : Array.isArray(value)
    ? value.length === 0 ? "[]" : [shape(value[0])]
    : typeof value === "object"
    ? Object.fromEntries(
      Object.entries(value as Record<string, unknown>).sort().map(([k, v]) => [k, shape(v)])
    )
    : typeof value

const program = Effect.gen(function*() {
  const svc = yield* Microsandbox.Microsandbox
  const steps: Array<Step> = []
  const call = (step: string, name: FunctionName, args: ReadonlyArray<string | bigint | number>) =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(svc.native.call(name, args, { operation: step }))
      if (Exit.isSuccess(exit)) {
        const doc: unknown = JSON.parse(exit.value)
        steps.push({ step, ok: true, shape: shape(doc) })
        return doc
      }
      const cause = exit.cause
      const error = cause._tag === "Fail" ? cause.error : undefined
      steps.push({ step, ok: false, tag: error?._tag, message: error?.message })
      return undefined
    })

  const version = (yield* call("version", "msb_version", [])) as { version: string } | undefined
  steps.push({ step: "version value", version: version?.version })
  yield* call("backend info", "msb_default_backend_info", [])
  yield* call("lookup missing", "msb_sandbox_lookup", ["diff-missing"])
  yield* call("create bad JSON", "msb_sandbox_create", ["diff-x", "{not json"])
  yield* call("create unknown pull policy", "msb_sandbox_create", [
    "diff-x",
    JSON.stringify({ image: rootfs, pull_policy: "sometimes" })
  ])
  yield* call("create cpus out of range", "msb_sandbox_create", [
    "diff-x",
    JSON.stringify({ image: rootfs, cpus: 300 })
  ])
  yield* call("wait on an unknown handle", "msb_sandbox_wait_until_stopped", [987654321n])
  const owns = yield* call("owns-lifecycle of an unknown handle", "msb_sandbox_owns_lifecycle", [987654321n])
  steps.push({ step: "owns-lifecycle value", owns })
  yield* call("list, nothing matches", "msb_sandbox_list", [JSON.stringify({ labels: { diff: "none" } })])
  yield* call("volume create", "msb_volume_create", ["diff-vol", JSON.stringify({ quota_mib: 64 })])
  yield* call("volume create again", "msb_volume_create", ["diff-vol", "{}"])
  yield* call("volume list", "msb_volume_list", [])
  yield* call("volume remove", "msb_volume_remove", ["diff-vol"])
  yield* call("volume remove again", "msb_volume_remove", ["diff-vol"])

  // A boot: the real runtime on a host that cannot boot; the double is told (MSBD_CONFIG,
  // set by the test) to fail the same way.
  const created = yield* call("create from a root folder", "msb_sandbox_create", [
    "diff-box",
    JSON.stringify({ image: rootfs, env: { A: "1" }, labels: { diff: "yes" }, ports: { "8080": 80 } })
  ])
  steps.push({ step: "create outcome", booted: created !== undefined })
  const info = (yield* call("lookup the record", "msb_sandbox_lookup", ["diff-box"])) as
    | { status: string; config_json: string }
    | undefined
  if (info !== undefined) {
    const config = JSON.parse(info.config_json) as Record<string, unknown>
    steps.push({ step: "record status", status: info.status })
    steps.push({ step: "persisted config", config: { ...config, manifest_digest: undefined } })
  }
  yield* call("metrics by name", "msb_sandbox_handle_metrics", ["diff-box"])
  yield* call("create again (name clash)", "msb_sandbox_create", [
    "diff-box",
    JSON.stringify({ image: rootfs })
  ])
  yield* call("list by label", "msb_sandbox_list", [JSON.stringify({ labels: { diff: "yes" } })])
  yield* call("remove", "msb_sandbox_remove", ["diff-box"])
  yield* call("remove again", "msb_sandbox_remove", ["diff-box"])
  return steps
})

program.pipe(
  Effect.provide(Microsandbox.layer({ libraryPath: library })),
  Effect.runPromise
).then(
  (steps) => {
    process.stdout.write(JSON.stringify(steps))
  },
  (e) => {
    console.error(String(e))
    process.exitCode = 1
  }
)
