// The installer's parts on their own: GOPROXY/GOSUMDB parsing, module path escaping,
// the zip reader, the h1 hash, signed notes and the tree proof. The vectors marked "Go"
// were produced by the Go toolchain's own zip writer, dirhash, note and tlog packages.
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { hashZip } from "../../src/internal/install/dirhash.js"
import {
  bundleFile,
  escapeModulePath,
  matchesGlobList,
  parseGoProxy,
  parseGoSumDb
} from "../../src/internal/install/goenv.js"
import { openNote, parseTreeNote, parseVerifierKey } from "../../src/internal/install/note.js"
import {
  makeHashReader,
  nodeHash,
  recordHash,
  tilePath,
  verifyInclusion
} from "../../src/internal/install/tlog.js"
import { readAtBytes, readCentralDirectory, readEntry } from "../../src/internal/install/zip.js"
import { buildZip, h1 } from "./fixtures.js"

// Go: archive/zip writer (data descriptors, deflate), dirhash.HashZip
const GO_ZIP = Buffer.from(
  "UEsDBBQACAAIAAAAAAAAAAAAAAAAAAAAAAAKAAAAbUB2MS9iLnR4dEpKTeUCBAAA//9QSwcIo58oBgoAAAAEAAAAUEsDBBQACAAIAAAAAAAAAAAAAAAAAAAAAAAKAAAAbUB2MS9hLnR4dEqs5AIEAAD//1BLBwikU3yoCQAAAAMAAABQSwMEFAAIAAgAAAAAAAAAAAAAAAAAAAAAAA4AAABtQHYxL2Rpci9aLnR4dAEAAP//UEsHCAAAAAAFAAAAAAAAAFBLAQIUABQACAAIAAAAAACjnygGCgAAAAQAAAAKAAAAAAAAAAAAAAAAAAAAAABtQHYxL2IudHh0UEsBAhQAFAAIAAgAAAAAAKRTfKgJAAAAAwAAAAoAAAAAAAAAAAAAAAAAQgAAAG1AdjEvYS50eHRQSwECFAAUAAgACAAAAAAAAAAAAAUAAAAAAAAADgAAAAAAAAAAAAAAAACDAAAAbUB2MS9kaXIvWi50eHRQSwUGAAAAAAMAAwCsAAAAxAAAAAAA",
  "base64"
)
const GO_ZIP_H1 = "h1:0Mo6LegSf3hO1d6yONziGSCL5Nz4w4jFIMvC4EgmZRE="
// Go: note.NewEd25519VerifierKey / note.Sign with the seed 00 01 … 1f
const GO_VKEY = "vectors.example+25475b07+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"
const GO_NOTE =
  "go.sum database tree\n5\nD4YemjKTUvCV+eYT0KfRcWjs+TMTgfztjhEBoztfEeY=\n\n\u2014 vectors.example JUdbB9JzqkGGZPdr7ZoiM29YFi16Jsj+y2HObfW07OpehSRlxK3oRNs4Qiv/Lo/UJpbGY7RqsooiBSwW5rCwiI+QQAM=\n"
// Go: tlog.TreeHash of the 7 records "rec 0\n" … "rec 6\n"
const GO_ROOT7 = "mmhXxO8w008PkDTR5YrTqI381/oXw08rg/Odptti530="

describe("GOPROXY", () => {
  it("splits on ',' and '|', the separator after an entry deciding its fall-through", () => {
    expect(parseGoProxy("https://a.example,https://b.example|https://c.example")).toEqual({
      entries: [
        { kind: "url", url: "https://a.example", fallThrough: "notFound" },
        { kind: "url", url: "https://b.example", fallThrough: "anyError" },
        { kind: "url", url: "https://c.example", fallThrough: "notFound" }
      ]
    })
  })
  it("ends the list at direct or off; adds https:// to bare hosts; refuses other words", () => {
    expect(parseGoProxy("proxy.example/go, direct, https://never.example")).toEqual({
      entries: [
        { kind: "url", url: "https://proxy.example/go", fallThrough: "notFound" },
        { kind: "direct", fallThrough: "notFound" }
      ]
    })
    expect(parseGoProxy("off,https://never.example")).toEqual({ entries: [{ kind: "off" }] })
    expect(parseGoProxy("bogus")).toHaveProperty("error")
    expect(parseGoProxy(" , ")).toHaveProperty("error")
    expect(parseGoProxy("file:///srv/proxy")).toHaveProperty("error")
  })
  it("escapes uppercase letters in module paths", () => {
    expect(escapeModulePath("github.com/Azure/Go-SDK")).toBe("github.com/!azure/!go-!s!d!k")
  })
  it("matches GONOSUMDB/GOPRIVATE globs against path-element prefixes", () => {
    const m = "github.com/superradcompany/microsandbox/sdk/go"
    expect(matchesGlobList("github.com/superradcompany", m)).toBe(true)
    expect(matchesGlobList("*.example,github.com/super*", m)).toBe(true)
    expect(matchesGlobList("github.com/superrad", m)).toBe(false)
    expect(matchesGlobList("github.com/*/microsandbox/sdk/go/extra", m)).toBe(false)
  })
  it("names the bundled library for each Go platform", () => {
    expect(bundleFile("linux", "x64")?.path).toBe(
      "internal/bundle/bundles/libmicrosandbox_go_ffi-linux-amd64.so"
    )
    expect(bundleFile("darwin", "arm64")?.path).toBe(
      "internal/bundle/bundles/libmicrosandbox_go_ffi-darwin-arm64.dylib"
    )
    expect(bundleFile("freebsd", "x64")).toBeUndefined()
  })
})

describe("GOSUMDB and verifier keys", () => {
  it("parses <key> [<url>], off, and refuses a name without its key", () => {
    expect(parseGoSumDb(`${GO_VKEY} https://db.example/`)).toEqual({
      config: { name: "vectors.example", key: GO_VKEY, url: "https://db.example" }
    })
    expect(parseGoSumDb(GO_VKEY)).toEqual({
      config: { name: "vectors.example", key: GO_VKEY, url: "https://vectors.example" }
    })
    expect(parseGoSumDb("off")).toEqual({ off: true })
    expect(parseGoSumDb("sum.example")).toHaveProperty("error")
  })
  it("knows sum.golang.org's key, as the Go tool does (what `go env GOSUMDB` prints by default)", () => {
    const parsed = parseGoSumDb("sum.golang.org")
    if (!("config" in parsed)) throw new Error(JSON.stringify(parsed))
    expect(parsed.config.name).toBe("sum.golang.org")
    expect(parsed.config.url).toBe("https://sum.golang.org")
    expect(parseVerifierKey(parsed.config.key)).toMatchObject({ name: "sum.golang.org", hash: 0x033de0ae })
    const cn = parseGoSumDb("sum.golang.google.cn")
    if (!("config" in cn)) throw new Error(JSON.stringify(cn))
    expect(cn.config).toMatchObject({ name: "sum.golang.org", url: "https://sum.golang.google.cn" })
  })
  it("accepts the Go vector key and refuses a wrong hash or algorithm", () => {
    expect(parseVerifierKey(GO_VKEY)).toMatchObject({ name: "vectors.example", hash: 0x25475b07 })
    expect(typeof parseVerifierKey(GO_VKEY.replace("25475b07", "25475b08"))).toBe("string")
    expect(typeof parseVerifierKey("vectors.example+25475b07+AgOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"))
      .toBe(
        "string"
      )
  })
  it("verifies a note Go signed, and refuses one whose text or signature changed", () => {
    const key = parseVerifierKey(GO_VKEY)
    if (typeof key === "string") throw new Error(key)
    const opened = openNote(GO_NOTE, key)
    expect(opened).toEqual({ _tag: "Verified", text: GO_NOTE.slice(0, GO_NOTE.indexOf("\n\n") + 1) })
    expect(parseTreeNote(opened._tag === "Verified" ? opened.text : "")).toMatchObject({ size: 5 })
    expect(openNote(GO_NOTE.replace("tree\n5", "tree\n6"), key)._tag).toBe("BadSignature")
    expect(openNote(GO_NOTE.replace("JUdbB9Jz", "JUdbB9Jy"), key)._tag).toBe("BadSignature")
    expect(openNote(GO_NOTE.replace("vectors.example JU", "other.example JU"), key)._tag).toBe(
      "NoSignatureByKey"
    )
    expect(openNote(GO_NOTE.replace("\n\n", "\n"), key)._tag).toBe("Malformed")
  })
})

describe("zip reader and h1", () => {
  it.effect("reads a zip Go wrote (data descriptors) and hashes it as Go's dirhash does", () =>
    Effect.gen(function*() {
      const readAt = readAtBytes(GO_ZIP)
      const entries = yield* readCentralDirectory(readAt, GO_ZIP.length)
      expect(entries.map((e) => e.name)).toEqual(["m@v1/b.txt", "m@v1/a.txt", "m@v1/dir/Z.txt"])
      expect(Buffer.from(yield* readEntry(readAt, entries[0]!)).toString()).toBe("bee\n")
      expect(yield* hashZip(readAt, entries)).toBe(GO_ZIP_H1)
      expect(h1([["m@v1/b.txt", Buffer.from("bee\n")], ["m@v1/a.txt", Buffer.from("ay\n")], [
        "m@v1/dir/Z.txt",
        Buffer.alloc(0)
      ]])).toBe(GO_ZIP_H1)
    }))
  it.effect("reads stored entries, and refuses a corrupted one (CRC-32) or a truncated archive", () =>
    Effect.gen(function*() {
      const zip = buildZip([["x/one", Buffer.from("hello world")]], true)
      const entries = yield* readCentralDirectory(readAtBytes(zip), zip.length)
      expect(Buffer.from(yield* readEntry(readAtBytes(zip), entries[0]!)).toString()).toBe("hello world")
      const bad = Buffer.from(zip)
      bad[30 + "x/one".length] = "j".charCodeAt(0)
      const crc = yield* Effect.exit(readEntry(readAtBytes(bad), entries[0]!))
      expect(Exit.isFailure(crc) && String(crc.cause)).toContain("CRC-32")
      const cut = zip.subarray(0, zip.length - 10)
      expect(Exit.isFailure(yield* Effect.exit(readCentralDirectory(readAtBytes(cut), cut.length)))).toBe(
        true
      )
    }))
})

describe("tree proofs", () => {
  it("writes tile paths as Go does", () => {
    expect(tilePath(0, 1234067, 256)).toBe("tile/8/0/x001/x234/067")
    expect(tilePath(2, 5, 17)).toBe("tile/8/2/005.p/17")
  })
  it.effect("proves each of 7 records against Go's root, and refuses a wrong leaf", () =>
    Effect.gen(function*() {
      const leaves = Array.from({ length: 7 }, (_, i) => recordHash(Buffer.from(`rec ${i}\n`)))
      const root = Buffer.from(GO_ROOT7, "base64")
      const fetched: Array<string> = []
      const stored = makeHashReader(7, (path) => {
        fetched.push(path)
        return Effect.succeed(path === "tile/8/0/000.p/7" ? Buffer.concat(leaves) : undefined)
      })
      for (let i = 0; i < 7; i++) yield* verifyInclusion(stored, 7, root, i, leaves[i]!)
      expect(new Set(fetched)).toEqual(new Set(["tile/8/0/000.p/7"]))
      const wrong = yield* Effect.exit(verifyInclusion(stored, 7, root, 3, nodeHash(leaves[0]!, leaves[1]!)))
      expect(Exit.isFailure(wrong)).toBe(true)
    }))
})
