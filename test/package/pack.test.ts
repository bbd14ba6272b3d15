// `npm pack` produces a package that installs and runs in an empty project.
//
// The package is built into a staging copy (src/, package.json, README.md; nothing of this
// checkout's dist/ is used) and packed with `npm pack`. The tarball is unpacked into
// <app>/node_modules/effect-microsandbox as npm would install it, and its dependencies are
// linked from this checkout's node_modules (no registry is needed, the run stays light; that
// every import of the package names a declared dependency is checked separately). Then an
// example, type-checked against the package's declarations, runs against the runtime double,
// and so does the package's `effect-microsandbox` executable.
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { execFile } from "node:child_process"
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Double from "../support/double.js"

const root = join(fileURLToPath(import.meta.url), "..", "..", "..")
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  name: string
  version: string
  dependencies: Record<string, string>
  exports: Record<string, unknown>
}

/** Runs a program to completion (without blocking this process); its stdout. Fails with its stderr. */
const run = (file: string, args: ReadonlyArray<string>, options: { cwd: string; env?: NodeJS.ProcessEnv }) =>
  Effect.async<string, Error>((resume) => {
    const child = execFile(
      file,
      args,
      { encoding: "utf8", cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 64 << 20 },
      (error, stdout, stderr) =>
        resume(
          error === null
            ? Effect.succeed(stdout)
            : Effect.fail(
              new Error(
                `${file} ${args.join(" ")}: ${error.message} (exit code ${error.code ?? "none"}, signal ${
                  error.signal ?? "none"
                })\n${stdout}\n${stderr}`
              )
            )
        )
    )
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** How long each step took (printed: the test is slow-ish, and this says where the time goes). */
const timed = <A, E>(step: string, effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.timed(effect), ([duration, a]) => {
    process.stderr.write(`pack test: ${step} ${Math.round(duration.pipe(Duration.toMillis))} ms\n`)
    return a
  })

const files = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : [path]
  })

const example = `
import { Console, Effect } from "effect"
import { Exec, Microsandbox, Sandbox, SandboxConfig } from "effect-microsandbox"
import * as Mount from "effect-microsandbox/Mount"
import { Doctor, Installer } from "effect-microsandbox/node"

// @ts-expect-error internal modules are not part of the package's interface
import type * as Internal from "effect-microsandbox/internal/sandbox"
// @ts-expect-error declarations marked @internal are stripped
export const encode = Mount.encode
export type Unused = Internal.Nothing

const program = Effect.scoped(
  Effect.gen(function*() {
    const sandbox = yield* Sandbox.make("packed", SandboxConfig.image("alpine"), SandboxConfig.env({ GREETING: "hello" }))
    const result = yield* sandbox.exec("sh", ["-c", "echo $GREETING from the packed package"]).pipe(Exec.orFail)
    yield* Console.log(result.stdout.trim())
    yield* Console.log(\`runtime \${yield* Microsandbox.runtimeVersion}, sdk \${yield* Installer.sdkVersion}\`)
    yield* Console.log(typeof Doctor.doctor)
  })
)

program.pipe(Effect.provide(Microsandbox.layer()), Effect.runPromise).catch((e) => {
  console.error(String(e))
  process.exit(1)
})
`

const unexported = `
const refused = []
for (const specifier of [
  "effect-microsandbox/internal/sandbox",
  "effect-microsandbox/internal/sandbox.js",
  "effect-microsandbox/bin/cli",
  "effect-microsandbox/dist/index.js",
  "effect-microsandbox/src/index.ts"
]) {
  try {
    await import(specifier)
  } catch (e) {
    if (e.code === "ERR_PACKAGE_PATH_NOT_EXPORTED") refused.push(specifier)
  }
}
console.log(JSON.stringify(refused))
`

describe("the packed package", () => {
  it.live(
    "packs, installs into an empty project, type-checks and runs an example against the double",
    () =>
      Effect.gen(function*() {
        const work = yield* Effect.acquireRelease(
          Effect.sync(() => mkdtempSync(join(tmpdir(), "msb-pack-"))),
          (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
        )
        {
          // 1. build a staging copy and pack it
          const stage = join(work, "stage")
          mkdirSync(stage)
          for (const f of ["package.json", "README.md", "tsconfig.base.json", "tsconfig.build.json"]) {
            cpSync(join(root, f), join(stage, f))
          }
          cpSync(join(root, "src"), join(stage, "src"), { recursive: true })
          cpSync(join(root, "scripts"), join(stage, "scripts"), { recursive: true })
          symlinkSync(join(root, "node_modules"), join(stage, "node_modules"))
          yield* timed(
            "build",
            run(process.execPath, [
              join(root, "node_modules", "typescript", "bin", "tsc"),
              "-p",
              "tsconfig.build.json"
            ], {
              cwd: stage
            })
          )
          yield* run(process.execPath, ["scripts/strip-internal.mjs"], { cwd: stage })
          const packed = JSON.parse(
            yield* timed(
              "npm pack",
              run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], { cwd: stage })
            )
          ) as Array<{ filename: string; size: number; files: Array<{ path: string }> }>
          const tarball = join(work, packed[0]!.filename)
          const paths = packed[0]!.files.map((f) => f.path)
          expect(paths).toContain("dist/index.js")
          expect(paths).toContain("dist/node/index.js")
          expect(paths).toContain("dist/bin/cli.js")
          expect(paths.filter((p) => /^(test|bench|examples|scripts|docs)\//.test(p))).toEqual([])
          // every entry of `exports` is in the package
          for (const [subpath, target] of Object.entries(pkg.exports)) {
            const targets = typeof target === "string"
              ? [target]
              : Object.values(target as Record<string, string>)
            for (const t of targets) {
              expect({ subpath, shipped: paths.includes(t.slice(2)) }).toEqual({ subpath, shipped: true })
            }
          }

          // 2. install it: unpack as npm does, link its dependencies
          const app = join(work, "app")
          const installed = join(app, "node_modules", pkg.name)
          mkdirSync(installed, { recursive: true })
          yield* run("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"], { cwd: work })
          for (const dep of [...Object.keys(pkg.dependencies), "@types/node"]) {
            const target = join(app, "node_modules", dep)
            mkdirSync(dirname(target), { recursive: true })
            symlinkSync(join(root, "node_modules", dep), target)
          }
          mkdirSync(join(app, "node_modules", ".bin"))
          // as npm links a package's bin: executable, under node_modules/.bin
          chmodSync(join(installed, "dist", "bin", "cli.js"), 0o755)
          symlinkSync(
            join(installed, "dist", "bin", "cli.js"),
            join(app, "node_modules", ".bin", "effect-microsandbox")
          )
          writeFileSync(
            join(app, "package.json"),
            JSON.stringify({ name: "app", private: true, type: "module" })
          )
          writeFileSync(
            join(app, "tsconfig.json"),
            JSON.stringify({
              compilerOptions: {
                target: "ES2022",
                module: "NodeNext",
                moduleResolution: "NodeNext",
                strict: true,
                exactOptionalPropertyTypes: true,
                types: ["node"],
                skipLibCheck: false,
                outDir: "out"
              },
              include: ["main.ts"]
            })
          )
          writeFileSync(join(app, "main.ts"), example)
          writeFileSync(join(app, "unexported.mjs"), unexported)

          // 3. type-check and compile the example against the package's declarations (with the
          // package's own declaration files checked too: skipLibCheck is off)
          yield* timed(
            "type-check the example",
            run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "."], {
              cwd: app
            })
          )
          expect(existsSync(join(app, "out", "main.js"))).toBe(true)

          // 4. run it against the double
          const home = join(work, "home")
          mkdirSync(home)
          const env = { ...process.env, MICROSANDBOX_FFI_PATH: Double.libraryPath, MSB_HOME: home }
          const out = yield* timed(
            "run the example",
            run(process.execPath, ["out/main.js"], { cwd: app, env })
          )
          expect(out.split("\n")).toEqual([
            "hello from the packed package",
            `runtime 0.6.14, sdk 0.6.14`,
            "function",
            ""
          ])

          // internal/, bin/ and the files themselves are not importable
          expect(JSON.parse(yield* run(process.execPath, ["unexported.mjs"], { cwd: app }))).toEqual([
            "effect-microsandbox/internal/sandbox",
            "effect-microsandbox/internal/sandbox.js",
            "effect-microsandbox/bin/cli",
            "effect-microsandbox/dist/index.js",
            "effect-microsandbox/src/index.ts"
          ])

          // 5. the executable, as npx would run it
          const bin = join(app, "node_modules", ".bin", "effect-microsandbox")
          expect(yield* run(bin, ["version"], { cwd: app, env })).toBe("0.6.14\n")
          expect((yield* run(bin, ["--version"], { cwd: app, env })).trim()).toBe(pkg.version)
          const ls = yield* run(bin, ["ls", "--json"], { cwd: app, env })
          expect((JSON.parse(ls) as Array<{ name: string; status: string }>).map((s) => [s.name, s.status]))
            .toEqual([
              ["packed", "stopped"]
            ])
        }
      }).pipe(Effect.scoped),
    { timeout: 300_000 }
  )

  it("every package the built code imports is a declared dependency", () => {
    const declared = new Set(Object.keys(pkg.dependencies))
    const imported = new Set<string>()
    for (const file of files(join(root, "src")).filter((f) => f.endsWith(".ts"))) {
      // without block comments: a JSDoc @example imports "effect-microsandbox" itself
      const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "")
      for (const m of text.matchAll(/^(?:import|export)\s[^"']*?from\s+"([^".][^"]*)"/gm)) {
        const spec = m[1]!
        if (spec.startsWith("node:")) continue
        const parts = spec.split("/")
        imported.add(spec.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!)
      }
    }
    expect([...imported].filter((p) => !declared.has(p))).toEqual([])
  })
})
