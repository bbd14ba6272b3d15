/**
 * Proof that a checksum-database record is in the signed tree: the record's leaf hash,
 * combined with the hashes of the sibling subtrees read from the database's tiles, must
 * give the signed root hash (an RFC 6962 Merkle tree, as the Go checksum database
 * publishes it).
 *
 * Tiles have height 8: the tile at level L, index n, holds up to 256 consecutive hashes
 * of tree level 8·L starting at index 256·n; its path is `tile/8/<L>/<n>` with n written
 * in groups of three digits (`x001/x234/067`), and a tile that is not yet full is
 * `…/<n>.p/<width>`. Hashes above level 8·L inside a tile are computed from those.
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { createHash } from "node:crypto"

const HASH = 32
const H = 8
const TILE = 1 << H

/** The record could not be proven to be in the tree. */
export class TreeProofError extends Data.TaggedError("TreeProofError")<{ readonly message: string }> {}

/** SHA-256(0x00 || data): a leaf. */
export const recordHash = (data: Uint8Array): Uint8Array =>
  createHash("sha256").update(Buffer.from([0])).update(data).digest()

/** SHA-256(0x01 || left || right): an interior node. */
export const nodeHash = (left: Uint8Array, right: Uint8Array): Uint8Array =>
  createHash("sha256").update(Buffer.from([1])).update(left).update(right).digest()

/** The path of a tile, relative to the database URL. */
export const tilePath = (level: number, index: number, width: number): string => {
  let n = index
  let s = String(n % 1000).padStart(3, "0")
  while (n >= 1000) {
    n = Math.floor(n / 1000)
    s = `x${String(n % 1000).padStart(3, "0")}/${s}`
  }
  return `tile/${H}/${level}/${s}${width === TILE ? "" : `.p/${width}`}`
}

/** Fetches a tile by path; `undefined` when the database does not have it (404/410). */
export type FetchTile<E, R> = (path: string) => Effect.Effect<Uint8Array | undefined, E, R>

/** Reads the stored hash at (level, index) of a tree of `size` leaves from tiles, with a cache. */
export const makeHashReader = <E, R>(size: number, fetch: FetchTile<E, R>) => {
  const tiles = new Map<string, Uint8Array>()
  const readTile = (
    level: number,
    index: number,
    width: number
  ): Effect.Effect<Uint8Array, E | TreeProofError, R> =>
    Effect.gen(function*() {
      const key = `${level}/${index}`
      const cached = tiles.get(key)
      if (cached) return cached
      let data = yield* fetch(tilePath(level, index, width))
      if (data === undefined && width < TILE) {
        // A partial tile may be gone once the tile is full; the full one starts with the same hashes.
        data = yield* fetch(tilePath(level, index, TILE))
      }
      if (data === undefined) {
        return yield* Effect.fail(
          new TreeProofError({ message: `tile ${tilePath(level, index, width)} not found` })
        )
      }
      if (data.length < width * HASH || data.length % HASH !== 0) {
        return yield* Effect.fail(
          new TreeProofError({ message: `tile ${tilePath(level, index, width)} has ${data.length} bytes` })
        )
      }
      const tile = data.subarray(0, width * HASH)
      tiles.set(key, tile)
      return tile
    })

  return (level: number, index: number): Effect.Effect<Uint8Array, E | TreeProofError, R> =>
    Effect.gen(function*() {
      const tileLevel = Math.floor(level / H)
      const within = level - tileLevel * H
      const base = 2 ** (tileLevel * H)
      const first = index * 2 ** within
      const count = 2 ** within
      const available = Math.floor(size / base)
      if (first + count > available) {
        return yield* Effect.fail(
          new TreeProofError({ message: `hash (${level}, ${index}) is not stored in a tree of size ${size}` })
        )
      }
      const tileIndex = Math.floor(first / TILE)
      const width = Math.min(TILE, available - tileIndex * TILE)
      const tile = yield* readTile(tileLevel, tileIndex, width)
      const offset = first - tileIndex * TILE
      let hashes: Array<Uint8Array> = []
      for (let i = 0; i < count; i++) hashes.push(tile.subarray((offset + i) * HASH, (offset + i + 1) * HASH))
      while (hashes.length > 1) {
        const next: Array<Uint8Array> = []
        for (let i = 0; i < hashes.length; i += 2) next.push(nodeHash(hashes[i]!, hashes[i + 1]!))
        hashes = next
      }
      return hashes[0]!
    })
}

const largestPowerOfTwoBelow = (n: number): number => {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/**
 * Checks that the leaf `leaf` at position `index` is in the tree of `size` leaves whose
 * root is `root`, reading the other hashes it needs with `stored`.
 */
export const verifyInclusion = <E, R>(
  stored: (level: number, index: number) => Effect.Effect<Uint8Array, E | TreeProofError, R>,
  size: number,
  root: Uint8Array,
  index: number,
  leaf: Uint8Array
): Effect.Effect<void, E | TreeProofError, R> => {
  // The hash of leaves [lo, hi): stored when the range is an aligned power of two, else split.
  const subtree = (lo: number, hi: number): Effect.Effect<Uint8Array, E | TreeProofError, R> => {
    const n = hi - lo
    const level = Math.log2(n)
    if (Number.isInteger(level) && lo % n === 0) return stored(level, lo / n)
    const k = largestPowerOfTwoBelow(n)
    return Effect.zipWith(subtree(lo, lo + k), subtree(lo + k, hi), nodeHash)
  }
  const withLeaf = (lo: number, hi: number): Effect.Effect<Uint8Array, E | TreeProofError, R> => {
    if (hi - lo === 1) return Effect.succeed(leaf)
    const k = largestPowerOfTwoBelow(hi - lo)
    return index < lo + k
      ? Effect.zipWith(withLeaf(lo, lo + k), subtree(lo + k, hi), nodeHash)
      : Effect.zipWith(subtree(lo, lo + k), withLeaf(lo + k, hi), nodeHash)
  }
  if (!(index >= 0 && index < size)) {
    return Effect.fail(new TreeProofError({ message: `record ${index} is outside the tree of size ${size}` }))
  }
  return Effect.flatMap(withLeaf(0, size), (computed) =>
    Buffer.from(computed).equals(Buffer.from(root))
      ? Effect.void
      : Effect.fail(
        new TreeProofError({ message: "the record is not in the signed tree (root hash mismatch)" })
      ))
}
