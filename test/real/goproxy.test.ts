// The no-toolchain install route against the real Go module proxy and checksum database,
// with the values `go env GOPROXY GOSUMDB` prints by default. Runs where the proxy answers
// (as on a user's machine); elsewhere it is skipped with the reason in its name.
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { parseGoProxy, parseGoSumDb } from "../../src/internal/install/goenv.js"
import { parseVerifierKey } from "../../src/internal/install/note.js"
import { lookupZipHash, resolveSumDb } from "../../src/internal/install/sumdb.js"
import * as Installer from "../../src/node/Installer.js"
import { freshHome, platformLayer, withEnv } from "../install/support.js"

const GOPROXY = "https://proxy.golang.org,direct"
const GOSUMDB = "sum.golang.org"

const reachable = await fetch("https://proxy.golang.org/sumdb/sum.golang.org/supported", {
  signal: AbortSignal.timeout(5000)
}).then((r) => r.status === 200, () => false)
if (!reachable) {
  console.log("real Go proxy suite SKIPPED — https://proxy.golang.org cannot be reached from this host")
}

describe.skipIf(!reachable)(
  `the real Go module proxy and checksum database${reachable ? "" : " (skipped: proxy not reachable)"}`,
  () => {
    it.live(
      "finds the checksum database through the proxy and verifies a record: signed tree head and inclusion proof",
      () =>
        Effect.gen(function*() {
          const proxy = parseGoProxy(GOPROXY)
          const db = parseGoSumDb(GOSUMDB)
          if (!("entries" in proxy) || !("config" in db)) throw new Error("the Go defaults must parse")
          const key = parseVerifierKey(db.config.key)
          if (typeof key === "string") throw new Error(key)
          const resolved = yield* resolveSumDb(proxy.entries, db.config)
          expect(resolved.url).toBe("https://proxy.golang.org/sumdb/sum.golang.org")
          // A module every Go user has: its go.sum line is public.
          const hash = yield* lookupZipHash(resolved, key, "github.com/google/uuid", "v1.6.0")
          expect(hash).toBe("h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=")
          // A record that is not the one asked for is refused: the same lookup with another
          // version must give that version's own hash, not the first one.
          const other = yield* lookupZipHash(resolved, key, "github.com/google/uuid", "v1.5.0")
          expect(other).toMatch(/^h1:/)
          expect(other).not.toBe(hash)
        }).pipe(Effect.provide(platformLayer)),
      60_000
    )

    it.live(
      "installing the runtime without a toolchain either installs a verified library or says exactly what the proxy answered",
      () =>
        Effect.gen(function*() {
          const { home, emptyPath } = freshHome()
          const exit = yield* Effect.exit(
            Installer.ensureInstalled().pipe(
              withEnv({ MSB_HOME: home, PATH: emptyPath, GOPROXY, GOSUMDB }),
              Effect.provide(platformLayer)
            )
          )
          if (Exit.isSuccess(exit)) {
            expect(exit.value.provenance).toMatchObject({ _tag: "Proxy", verified: true })
            return
          }
          const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
          console.log(`the real proxy/checksum database answered: ${error?.message}`)
          expect(error?._tag === "VerificationFailed" || error?._tag === "InstallFailed").toBe(true)
          // The answer names the module version and the server's status, not a generic failure.
          expect(error?.message).toContain("github.com/superradcompany/microsandbox/sdk/go@v0.6.14")
          expect(error?.message).toMatch(/answered (403|404|410)/)
        }),
      60_000
    )
  }
)
