/**
 * A small zip reader: the central directory (with zip64 records), and one entry at a
 * time, stored or deflated, checked against its CRC-32 and size. Reads go through a
 * random-access function so an archive on disk is never loaded whole.
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { promisify } from "node:util"
import { inflateRaw as inflateRawCb } from "node:zlib"

const inflateRaw = promisify(inflateRawCb)

/** Reads `length` bytes at `offset` (fewer only at the end of the archive). */
export type ReadAt<E> = (offset: number, length: number) => Effect.Effect<Uint8Array, E>

export interface ZipEntry {
  readonly name: string
  readonly method: number
  readonly flags: number
  readonly crc32: number
  readonly compressedSize: number
  readonly size: number
  readonly localHeaderOffset: number
}

/** The archive is malformed or uses a feature this reader does not support. */
export class ZipError extends Data.TaggedError("ZipError")<{ readonly message: string }> {}

const EOCD = 0x06054b50
const ZIP64_LOCATOR = 0x07064b50
const ZIP64_EOCD = 0x06064b50
const CENTRAL = 0x02014b50
const LOCAL = 0x04034b50

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength)
// Values past 2^53 lose precision; the bounds checks below then refuse them.
const u64 = (v: DataView, at: number): number => Number(v.getBigUint64(at, true))

const fail = (message: string) => Effect.fail(new ZipError({ message }))

/** Reads the central directory of an archive of `size` bytes. */
export const readCentralDirectory = <E>(
  readAt: ReadAt<E>,
  size: number
): Effect.Effect<ReadonlyArray<ZipEntry>, E | ZipError> =>
  Effect.gen(function*() {
    if (size < 22) return yield* fail("not a zip archive (too short)")
    const tailLength = Math.min(size, 22 + 0xffff + 20)
    const tailStart = size - tailLength
    const tail = yield* readAt(tailStart, tailLength)
    const tv = view(tail)
    let eocd = -1
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tv.getUint32(i, true) === EOCD && i + 22 + tv.getUint16(i + 20, true) === tail.length) {
        eocd = i
        break
      }
    }
    if (eocd < 0) return yield* fail("not a zip archive (no end of central directory record)")
    let count = tv.getUint16(eocd + 10, true)
    let cdSize = tv.getUint32(eocd + 12, true)
    let cdOffset = tv.getUint32(eocd + 16, true)
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const loc = eocd - 20
      if (loc < 0 || tv.getUint32(loc, true) !== ZIP64_LOCATOR) return yield* fail("zip64 locator missing")
      const recOffset = u64(tv, loc + 8)
      const rec = view(yield* readAt(recOffset, 56))
      if (rec.byteLength < 56 || rec.getUint32(0, true) !== ZIP64_EOCD) {
        return yield* fail("zip64 record missing")
      }
      count = u64(rec, 32)
      cdSize = u64(rec, 40)
      cdOffset = u64(rec, 48)
    }
    if (cdOffset + cdSize > size) return yield* fail("central directory out of bounds")
    const cd = yield* readAt(cdOffset, cdSize)
    const v = view(cd)
    const decoder = new TextDecoder("utf-8", { fatal: true })
    const entries: Array<ZipEntry> = []
    let at = 0
    for (let i = 0; i < count; i++) {
      if (at + 46 > cd.length || v.getUint32(at, true) !== CENTRAL) {
        return yield* fail(`bad central directory entry ${i}`)
      }
      const flags = v.getUint16(at + 8, true)
      const method = v.getUint16(at + 10, true)
      const crc32 = v.getUint32(at + 16, true)
      let compressedSize = v.getUint32(at + 20, true)
      let uncompressed = v.getUint32(at + 24, true)
      const nameLength = v.getUint16(at + 28, true)
      const extraLength = v.getUint16(at + 30, true)
      const commentLength = v.getUint16(at + 32, true)
      let localHeaderOffset = v.getUint32(at + 42, true)
      const nameStart = at + 46
      if (nameStart + nameLength + extraLength + commentLength > cd.length) {
        return yield* fail(`central directory entry ${i} out of bounds`)
      }
      let name: string
      try {
        name = decoder.decode(cd.subarray(nameStart, nameStart + nameLength))
      } catch {
        return yield* fail(`entry ${i} has a name that is not UTF-8`)
      }
      // zip64 extended information: only the fields whose 32-bit slot is saturated, in this order.
      let e = nameStart + nameLength
      const extraEnd = e + extraLength
      while (e + 4 <= extraEnd) {
        const id = v.getUint16(e, true)
        const len = v.getUint16(e + 2, true)
        if (id === 0x0001) {
          let f = e + 4
          if (uncompressed === 0xffffffff) (uncompressed = u64(v, f)), (f += 8)
          if (compressedSize === 0xffffffff) (compressedSize = u64(v, f)), (f += 8)
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = u64(v, f)
        }
        e += 4 + len
      }
      entries.push({ name, method, flags, crc32, compressedSize, size: uncompressed, localHeaderOffset })
      at = extraEnd + commentLength
    }
    return entries
  })

const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

/** CRC-32 (IEEE), as zip records it. */
export const crc32 = (data: Uint8Array): number => {
  let c = 0xffffffff
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** Reads and decompresses one entry, checking its size and CRC-32. */
export const readEntry = <E>(readAt: ReadAt<E>, entry: ZipEntry): Effect.Effect<Uint8Array, E | ZipError> =>
  Effect.gen(function*() {
    if (entry.flags & 1) return yield* fail(`${entry.name}: encrypted entries are not supported`)
    const header = yield* readAt(entry.localHeaderOffset, 30)
    const hv = view(header)
    if (header.length < 30 || hv.getUint32(0, true) !== LOCAL) {
      return yield* fail(`${entry.name}: bad local header`)
    }
    const dataOffset = entry.localHeaderOffset + 30 + hv.getUint16(26, true) + hv.getUint16(28, true)
    const raw = yield* readAt(dataOffset, entry.compressedSize)
    if (raw.length !== entry.compressedSize) return yield* fail(`${entry.name}: truncated`)
    let data: Uint8Array
    if (entry.method === 0) data = raw
    else if (entry.method === 8) {
      data = yield* Effect.tryPromise({
        try: () => inflateRaw(raw, { maxOutputLength: Math.max(entry.size, 1) }),
        catch: (e) =>
          new ZipError({ message: `${entry.name}: ${e instanceof Error ? e.message : String(e)}` })
      })
    } else return yield* fail(`${entry.name}: compression method ${entry.method} is not supported`)
    if (data.length !== entry.size) {
      return yield* fail(`${entry.name}: size ${data.length}, expected ${entry.size}`)
    }
    if (crc32(data) !== entry.crc32) return yield* fail(`${entry.name}: CRC-32 mismatch`)
    return data
  })

/** A `ReadAt` over bytes in memory. */
export const readAtBytes = (bytes: Uint8Array): ReadAt<never> => (offset, length) =>
  Effect.succeed(bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + length, bytes.length)))
