/**
 * Images and snapshots: load a hand-made `docker save` archive, boot a sandbox from it
 * without a registry, capture its state once it stopped, and fork a second sandbox from
 * that snapshot.
 *
 *   npm run example -- examples/images-and-snapshots.ts      (against the runtime double)
 */
import { Console, Effect, Option } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Image, Microsandbox, Sandbox, SandboxConfig, Snapshot } from "../src/index.js"
// The tests' archive builder: a manifest.json with RepoTags, the config, one layer tar.
import { dockerArchive } from "../test/support/tar.js"

const dir = mkdtempSync(join(tmpdir(), "msb-example-images-"))
const archive = join(dir, "app.tar")
writeFileSync(
  archive,
  dockerArchive({ tags: ["example/app:1.0"], files: { "app/README": "hello\n" } }).archive
)

const program = Effect.gen(function*() {
  const loaded = yield* Image.load(archive, { tags: ["example/app:latest"] })
  yield* Console.log(`loaded ${loaded.map((i) => i.reference).join(", ")}`)
  const detail = yield* Image.inspect("example/app:1.0")
  yield* Console.log(`layers: ${detail.layers.map((l) => l.diffId).join(", ")}`)

  // Boot from the cached image; the scope stops the sandbox.
  yield* Effect.scoped(
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make(
        "example-builder",
        SandboxConfig.image("example/app:1.0"),
        SandboxConfig.pullPolicy("never"),
        SandboxConfig.replace()
      )
      yield* sandbox.fs.write("/app/state.txt", "built once\n")
    })
  )

  const artifact = yield* (yield* Sandbox.get("example-builder")).snapshot("example-built")
  yield* Console.log(`snapshot ${artifact.digest} of ${artifact.imageRef}`)
  const report = yield* Snapshot.verify(artifact)
  yield* Console.log(`integrity: ${report.upper.kind}`)

  const state = yield* Effect.scoped(
    Effect.flatMap(
      Sandbox.make("example-fork", SandboxConfig.fromSnapshot(artifact), SandboxConfig.replace()),
      (fork) => fork.fs.readString("/app/state.txt")
    )
  )
  yield* Console.log(`the fork sees: ${state.trim()}`)

  for (const record of yield* Snapshot.list) {
    yield* Console.log(`indexed: ${Option.getOrElse(record.name, () => "-")} ${record.digest}`)
  }
  yield* Snapshot.remove(artifact)
  yield* Sandbox.remove("example-fork")
  yield* Sandbox.remove("example-builder")
  const pruned = yield* Image.prune
  yield* Console.log(`pruned ${pruned.imageRefsRemoved} reference(s)`)
})

program.pipe(Effect.provide(Microsandbox.layer()), Effect.runPromise).catch((e) => {
  console.error(String(e))
  process.exit(1)
})
