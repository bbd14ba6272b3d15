/**
 * The Go module checksum of a module zip ("h1:", dirhash Hash1): for every file in the
 * archive, sorted by name, the line `<sha256 hex of its content>  <name>\n`; the SHA-256
 * of those lines, in base64, prefixed with `h1:`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { createHash } from "node:crypto"
import { type ReadAt, readEntry, type ZipEntry, ZipError } from "./zip.js"

/** The h1 hash of (name, content-digest) pairs. */
export const hash1 = (files: ReadonlyArray<readonly [name: string, sha256hex: string]>): string => {
  // Go sorts the names as byte strings (UTF-8), not as UTF-16 code units.
  const sorted = [...files].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  const summary = createHash("sha256")
  for (const [name, digest] of sorted) summary.update(`${digest}  ${name}\n`)
  return `h1:${summary.digest("base64")}`
}

/** The h1 hash of a module zip whose central directory has been read. */
export const hashZip = <E>(
  readAt: ReadAt<E>,
  entries: ReadonlyArray<ZipEntry>
): Effect.Effect<string, E | ZipError> =>
  Effect.gen(function*() {
    const files: Array<readonly [string, string]> = []
    for (const entry of entries) {
      if (entry.name.includes("\n")) {
        return yield* Effect.fail(
          new ZipError({ message: `file name with a newline: ${JSON.stringify(entry.name)}` })
        )
      }
      const data = yield* readEntry(readAt, entry)
      files.push([entry.name, createHash("sha256").update(data).digest("hex")])
    }
    return hash1(files)
  })
