// Test fixtures for the installer: a zip writer, a module built like the upstream Go
// module, and two loopback servers started by the test — a GOPROXY-protocol proxy and a
// checksum database that signs with a key the test names in GOSUMDB.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { deflateRawSync } from "node:zlib"

// ---------------------------------------------------------------- zip writer

const crcTable = (() => {
  const t: Array<number> = []
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t.push(c >>> 0)
  }
  return t
})()
const crc = (b: Uint8Array) => {
  let c = 0xffffffff
  for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** A zip with the files in the given order (deflated unless `store`). */
export const buildZip = (files: ReadonlyArray<readonly [string, Uint8Array]>, store = false): Buffer => {
  const locals: Array<Buffer> = []
  const centrals: Array<Buffer> = []
  let offset = 0
  for (const [name, data] of files) {
    const nameBytes = Buffer.from(name, "utf8")
    const body = store ? Buffer.from(data) : deflateRawSync(data)
    const method = store ? 0 : 8
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(0x0800, 6)
    local.writeUInt16LE(method, 8)
    local.writeUInt32LE(crc(data), 14)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(nameBytes.length, 26)
    locals.push(local, nameBytes, body)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(0x0800, 8)
    central.writeUInt16LE(method, 10)
    central.writeUInt32LE(crc(data), 16)
    central.writeUInt32LE(body.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(nameBytes.length, 28)
    central.writeUInt32LE(offset, 42)
    centrals.push(central, nameBytes)
    offset += 30 + nameBytes.length + body.length
  }
  const cd = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(files.length, 8)
  end.writeUInt16LE(files.length, 10)
  end.writeUInt32LE(cd.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, cd, end])
}

// ---------------------------------------------------------------- the module

export const MODULE = "github.com/superradcompany/microsandbox/sdk/go"
export const VERSION = "v0.6.14"
export const BUNDLE = "internal/bundle/bundles/libmicrosandbox_go_ffi-linux-amd64.so"

/** h1 over (name, content) pairs, written independently of the library's code. */
export const h1 = (files: ReadonlyArray<readonly [string, Uint8Array]>): string => {
  const lines = files
    .map(([name, data]) => [name, createHash("sha256").update(data).digest("hex")] as const)
    .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map(([name, digest]) => `${digest}  ${name}\n`)
    .join("")
  return `h1:${createHash("sha256").update(lines).digest("base64")}`
}

export interface Module {
  readonly zip: Buffer
  readonly library: Buffer
  readonly goMod: Buffer
  readonly files: ReadonlyArray<readonly [string, Uint8Array]>
  readonly zipHash: string
  readonly goModHash: string
}

/** A module zip like upstream's: go.mod, some sources, and the five bundled libraries. */
export const buildModule = (options: { libraryBytes?: number; emptyLibrary?: boolean } = {}): Module => {
  const size = options.libraryBytes ?? 256 * 1024
  // incompressible, so the zip is about as large as the library
  const library = options.emptyLibrary ? Buffer.alloc(0) : randomBytes(size)
  const goMod = Buffer.from(`module ${MODULE}\n\ngo 1.22\n`)
  const prefix = `${MODULE}@${VERSION}/`
  const files: Array<readonly [string, Uint8Array]> = [
    [`${prefix}go.mod`, goMod],
    [`${prefix}setup.go`, Buffer.from("package microsandbox\n")],
    [`${prefix}${BUNDLE}`, library],
    [`${prefix}internal/bundle/bundles/libmicrosandbox_go_ffi-linux-arm64.so`, Buffer.from("arm64")],
    [`${prefix}internal/bundle/bundles/libmicrosandbox_go_ffi-darwin-arm64.dylib`, Buffer.from("darwin")]
  ]
  return {
    zip: buildZip(files),
    library,
    goMod,
    files,
    zipHash: h1(files),
    goModHash: h1([["go.mod", goMod]])
  }
}

// ---------------------------------------------------------------- servers

export interface Loopback {
  readonly url: string
  readonly requests: Array<string>
  readonly close: () => Promise<void>
}

const listen = async (handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Loopback> => {
  const requests: Array<string> = []
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? "")
    handler(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

export type ZipBehaviour =
  | { readonly kind: "serve" }
  | { readonly kind: "status"; readonly status: number }
  /** Redirects (302) to another path of the same server, which serves the zip. */
  | { readonly kind: "redirect" }
  /**
   * Sends part of the body, then holds the connection open: until `release` resolves
   * (then the rest follows), or until the client goes away.
   */
  | { readonly kind: "stall"; readonly afterBytes: number; readonly release?: Promise<void> }

/** A GOPROXY-protocol server for one module version. */
export const startProxy = async (
  module: Module,
  behaviour: { current: ZipBehaviour } = { current: { kind: "serve" } }
): Promise<Loopback & { readonly behaviour: { current: ZipBehaviour } }> => {
  const base = `/github.com/superradcompany/microsandbox/sdk/go/@v/${VERSION}`
  const lb = await listen((req, res) => {
    const url = req.url ?? ""
    if (url === `${base}.info`) {
      res.writeHead(200, { "content-type": "application/json" })
      res.end(JSON.stringify({ Version: VERSION, Time: "2026-01-01T00:00:00Z" }))
    } else if (url === `${base}.mod`) {
      res.writeHead(200, { "content-type": "text/plain" })
      res.end(module.goMod)
    } else if (url === `${base}.zip`) {
      const b = behaviour.current
      if (b.kind === "redirect") {
        res.writeHead(302, { location: "/storage/module.zip" })
        res.end()
      } else if (b.kind === "status") {
        res.writeHead(b.status)
        res.end()
      } else if (b.kind === "stall") {
        res.writeHead(200, { "content-type": "application/zip", "content-length": String(module.zip.length) })
        res.write(module.zip.subarray(0, b.afterBytes))
        void b.release?.then(() => res.end(module.zip.subarray(b.afterBytes)))
      } else {
        res.writeHead(200, { "content-type": "application/zip", "content-length": String(module.zip.length) })
        res.end(module.zip)
      }
    } else if (url === "/storage/module.zip") {
      res.writeHead(200, { "content-type": "application/zip", "content-length": String(module.zip.length) })
      res.end(module.zip)
    } else {
      res.writeHead(404)
      res.end("not found")
    }
  })
  return { ...lb, behaviour }
}

// ---------------------------------------------------------------- checksum database

const leafHash = (data: Uint8Array) => createHash("sha256").update(Buffer.from([0])).update(data).digest()
const interior = (a: Uint8Array, b: Uint8Array) =>
  createHash("sha256").update(Buffer.from([1])).update(a).update(b).digest()

/** A signing key in the note format. */
export interface NoteKey {
  readonly name: string
  readonly vkey: string
  readonly hash: Buffer
  readonly privateKey: KeyObject
}

export const makeNoteKey = (name: string): NoteKey => {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519")
  const raw = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url")
  const keyData = Buffer.concat([Buffer.from([1]), raw])
  const hash = createHash("sha256").update(`${name}\n`).update(keyData).digest().subarray(0, 4)
  return { name, vkey: `${name}+${hash.toString("hex")}+${keyData.toString("base64")}`, hash, privateKey }
}

export const signNote = (text: string, key: NoteKey, corrupt = false): string => {
  const sig = sign(null, Buffer.from(text), key.privateKey)
  if (corrupt) sig[0] = sig[0]! ^ 0xff
  return `${text}\n\u2014 ${key.name} ${Buffer.concat([key.hash, sig]).toString("base64")}\n`
}

export interface SumDbOptions {
  /** Other records placed before ours (the tree then has this many + 1 + `after` leaves). */
  readonly before?: number
  readonly after?: number
  /** The h1 the database records for the zip (default: the module's). */
  readonly zipHash?: string
  /** Sign with this key instead of the database's own. */
  readonly signWith?: NoteKey
  readonly corruptSignature?: boolean
  /** Serve a different record text than the one in the tree (signature stays valid). */
  readonly tamperRecord?: boolean
  readonly lookupStatus?: number
}

/** A checksum database with a tree of records, serving lookups and tiles (height 8). */
export const startSumDb = async (
  module: Module,
  key: NoteKey,
  options: SumDbOptions = {}
): Promise<Loopback> => {
  const before = options.before ?? 3
  const after = options.after ?? 2
  const record = (m: string, v: string, zh: string, mh: string) => `${m} ${v} ${zh}\n${m} ${v}/go.mod ${mh}\n`
  const ours = record(MODULE, VERSION, options.zipHash ?? module.zipHash, module.goModHash)
  const records: Array<string> = []
  for (let i = 0; i < before; i++) records.push(record(`example.com/m${i}`, "v1.0.0", "h1:x", "h1:y"))
  const id = records.length
  records.push(ours)
  for (let i = 0; i < after; i++) records.push(record(`example.com/n${i}`, "v1.0.0", "h1:x", "h1:y"))
  const size = records.length
  // levels[k][i]: the hash of the complete subtree of 2^k leaves starting at i·2^k
  const levels: Array<Array<Buffer>> = [records.map((r) => leafHash(Buffer.from(r)))]
  while (levels[levels.length - 1]!.length > 1) {
    const prev = levels[levels.length - 1]!
    const next: Array<Buffer> = []
    for (let i = 0; i + 1 < prev.length; i += 2) next.push(interior(prev[i]!, prev[i + 1]!))
    levels.push(next)
  }
  const mth = (lo: number, hi: number): Buffer => {
    if (hi - lo === 1) return levels[0]![lo]!
    let k = 1
    while (k * 2 < hi - lo) k *= 2
    return interior(mth(lo, lo + k), mth(lo + k, hi))
  }
  const root = mth(0, size)
  const treeText = `go.sum database tree\n${size}\n${root.toString("base64")}\n`
  const note = signNote(treeText, options.signWith ?? key, options.corruptSignature)
  const served = options.tamperRecord
    ? record(MODULE, VERSION, "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", module.goModHash)
    : ours
  return listen((req, res) => {
    const url = req.url ?? ""
    if (url === `/lookup/${MODULE}@${VERSION}`) {
      if (options.lookupStatus !== undefined) {
        res.writeHead(options.lookupStatus)
        res.end()
        return
      }
      res.writeHead(200, { "content-type": "text/plain; charset=UTF-8" })
      res.end(`${id}\n${served}\n${note}`)
      return
    }
    if (url === "/latest") {
      res.writeHead(200)
      res.end(note)
      return
    }
    // tile/8/<L>/<n in x-groups>[.p/<W>]
    const m = /^\/tile\/8\/(\d+)\/((?:x\d{3}\/)*\d{3})(?:\.p\/(\d+))?$/.exec(url)
    if (m) {
      const L = Number(m[1])
      const n = Number(m[2]!.replace(/x/g, "").replace(/\//g, ""))
      const level = levels[8 * L] ?? []
      const available = level.length - n * 256
      const w = m[3] === undefined ? 256 : Number(m[3])
      if (available < w || w < 1 || w > 256) {
        res.writeHead(404)
        res.end()
        return
      }
      res.writeHead(200)
      res.end(Buffer.concat(level.slice(n * 256, n * 256 + w)))
      return
    }
    res.writeHead(404)
    res.end()
  })
}
