/**
 * Signed notes (the checksum database's signature format) with Ed25519 verifier keys,
 * verified through node:crypto.
 *
 * A verifier key is `<name>+<hash>+<base64 key>`: the key is one algorithm byte (1 =
 * Ed25519) then the 32-byte public key, and the hash is the first four bytes of
 * SHA-256(`<name>\n` + key), big-endian, as eight hex digits. A signed note is its text
 * (ending in a newline), a blank line, then signature lines `— <name> <base64>` whose
 * payload is the four-byte key hash followed by the 64-byte signature of the text.
 *
 * @internal
 */
import { createHash, createPublicKey, verify } from "node:crypto"

export interface VerifierKey {
  readonly name: string
  readonly hash: number
  readonly publicKey: Uint8Array
}

const ALG_ED25519 = 1

const keyHash = (name: string, key: Uint8Array): number =>
  createHash("sha256").update(`${name}\n`).update(key).digest().readUInt32BE(0)

const validName = (name: string): boolean => name.length > 0 && !/[\s+]/.test(name)

/** Parses and checks a verifier key; a string describes what is wrong with it. */
export const parseVerifierKey = (vkey: string): VerifierKey | string => {
  // The key's base64 may itself contain "+": only the first two separate fields.
  const first = vkey.indexOf("+")
  const second = first < 0 ? -1 : vkey.indexOf("+", first + 1)
  if (second < 0) return "a verifier key has the form <name>+<hash>+<key>"
  const name = vkey.slice(0, first)
  const hashHex = vkey.slice(first + 1, second)
  const keyB64 = vkey.slice(second + 1)
  if (!validName(name)) return `invalid key name "${name}"`
  if (!/^[0-9a-f]{8}$/.test(hashHex)) return `invalid key hash "${hashHex}" (eight lowercase hex digits)`
  const key = Buffer.from(keyB64, "base64")
  if (key.toString("base64") !== keyB64) return "the key is not standard base64"
  if (key.length !== 33 || key[0] !== ALG_ED25519) {
    return "the key is not an Ed25519 key (algorithm 1, 32 bytes)"
  }
  const hash = Number.parseInt(hashHex, 16)
  if (keyHash(name, key) !== hash) return "the key hash does not match the name and key"
  return { name, hash, publicKey: key.subarray(1) }
}

/** The outcome of opening a signed note with one known key. */
export type Opened =
  | { readonly _tag: "Verified"; readonly text: string }
  | { readonly _tag: "Malformed"; readonly reason: string }
  | { readonly _tag: "BadSignature" }
  | { readonly _tag: "NoSignatureByKey" }

const SIG_PREFIX = "\u2014 "

/** Verifies a signed note against a key: a signature by that key must be present and valid. */
export const openNote = (message: string, key: VerifierKey): Opened => {
  for (const ch of message) {
    const c = ch.codePointAt(0)!
    if (c < 0x20 && c !== 0x0a) return { _tag: "Malformed", reason: "control character" }
  }
  const split = message.lastIndexOf("\n\n")
  if (split < 0) return { _tag: "Malformed", reason: "no signature block" }
  const text = message.slice(0, split + 1)
  const block = message.slice(split + 2)
  if (block.length === 0 || !block.endsWith("\n")) return { _tag: "Malformed", reason: "no signature block" }
  const publicKey = createPublicKey({
    key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(key.publicKey).toString("base64url") },
    format: "jwk"
  })
  let verified = false
  for (const line of block.slice(0, -1).split("\n")) {
    if (!line.startsWith(SIG_PREFIX)) return { _tag: "Malformed", reason: "bad signature line" }
    const rest = line.slice(SIG_PREFIX.length)
    const space = rest.indexOf(" ")
    const name = space < 0 ? rest : rest.slice(0, space)
    const b64 = space < 0 ? "" : rest.slice(space + 1)
    const sig = Buffer.from(b64, "base64")
    if (!validName(name) || b64 === "" || sig.toString("base64") !== b64 || sig.length < 5) {
      return { _tag: "Malformed", reason: "bad signature line" }
    }
    if (name !== key.name || sig.readUInt32BE(0) !== key.hash) continue
    if (sig.length !== 68 || !verify(null, Buffer.from(text, "utf8"), publicKey, sig.subarray(4))) {
      return { _tag: "BadSignature" }
    }
    verified = true
  }
  return verified ? { _tag: "Verified", text } : { _tag: "NoSignatureByKey" }
}

/**
 * The checksum database's signed tree head: `go.sum database tree`, the size, the root
 * hash (base64), each on its own line; later lines are ignored.
 */
export const parseTreeNote = (
  text: string
): { readonly size: number; readonly root: Uint8Array } | undefined => {
  const lines = text.split("\n")
  if (lines.length < 4 || lines[0] !== "go.sum database tree") return undefined
  const sizeText = lines[1]!
  const size = Number(sizeText)
  if (!/^(0|[1-9]\d*)$/.test(sizeText) || !Number.isSafeInteger(size)) return undefined
  const root = Buffer.from(lines[2]!, "base64")
  if (root.length !== 32 || root.toString("base64") !== lines[2]) return undefined
  return { size, root }
}
