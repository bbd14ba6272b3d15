/**
 * A checksum-database client: looks a module version up, verifies the signed tree head
 * with the verifier key from `GOSUMDB`, proves the record is in that tree from the
 * database's tiles, and returns the `h1:` hash it records for the module zip.
 *
 * @internal
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import { VerificationFailed } from "../errorModel.js"
import { escapeModulePath, type ProxyEntry, type SumDbConfig } from "./goenv.js"
import { openNote, parseTreeNote, type VerifierKey } from "./note.js"
import { makeHashReader, recordHash, verifyInclusion } from "./tlog.js"

const OPERATION = "Installer.ensureInstalled"

const failure = (reason: VerificationFailed["reason"], message: string, remedy: string) =>
  new VerificationFailed({ message, operation: OPERATION, reason, remedy })

const get = (url: string) =>
  Effect.flatMap(HttpClient.HttpClient, (base) =>
    Effect.scoped(
      Effect.flatMap(HttpClient.followRedirects(base, 10).get(url), (response) =>
        response.status === 200
          ? Effect.map(response.arrayBuffer, (b) => ({ status: 200, body: new Uint8Array(b) }))
          : Effect.succeed({ status: response.status, body: new Uint8Array(0) }))
    ))

/**
 * Where to reach the checksum database, as the Go tool decides it: the first module
 * proxy in `GOPROXY` that answers `<proxy>/sumdb/<name>/supported` with 200 serves the
 * database (`<proxy>/sumdb/<name>`); a proxy answering 404/410 (or any error after a
 * `|`) passes to the next; `direct`, `off` or the end of the list mean the database's
 * own URL.
 */
export const resolveSumDb = (
  entries: ReadonlyArray<ProxyEntry>,
  db: SumDbConfig
): Effect.Effect<SumDbConfig, VerificationFailed, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    for (const entry of entries) {
      if (entry.kind !== "url") break
      const base = `${entry.url.replace(/\/+$/, "")}/sumdb/${db.name}`
      const answer = yield* Effect.either(get(`${base}/supported`))
      if (answer._tag === "Right" && answer.right.status === 200) return { ...db, url: base }
      const notFound = answer._tag === "Right" && (answer.right.status === 404 || answer.right.status === 410)
      if (!notFound && entry.fallThrough === "notFound") {
        return yield* failure(
          "LookupFailed",
          `module proxy ${entry.url} failed to say whether it serves the checksum database ${db.name}: ${
            answer._tag === "Left" ? answer.left.message : `HTTP ${answer.right.status}`
          }`,
          "check GOPROXY and the network; a proxy that cannot be reached stops the lookup unless it is followed by `|`"
        )
      }
    }
    return db
  })

/** Looks up `module@version` and returns the verified `h1:` hash of its zip. */
export const lookupZipHash = (
  db: SumDbConfig,
  key: VerifierKey,
  module: string,
  version: string
): Effect.Effect<string, VerificationFailed, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const url = `${db.url}/lookup/${escapeModulePath(module)}@${escapeModulePath(version)}`
    const remedy =
      `check GOSUMDB (now ${db.key} ${db.url}); it must name the checksum database your module proxy serves`
    const response = yield* get(url).pipe(
      Effect.mapError((e) =>
        failure("LookupFailed", `checksum database lookup ${url} failed: ${e.message}`, remedy)
      )
    )
    if (response.status !== 200) {
      return yield* failure(
        "LookupFailed",
        `checksum database lookup ${url} answered ${response.status}${
          response.status === 404 || response.status === 410
            ? ` (it has no record of ${module}@${version})`
            : ""
        }`,
        remedy
      )
    }
    let text: string
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(response.body)
    } catch {
      return yield* failure(
        "LookupFailed",
        `checksum database lookup ${url}: the answer is not UTF-8`,
        remedy
      )
    }
    // <record id>\n<record lines, each ending in \n>\n<signed tree note>
    const firstNewline = text.indexOf("\n")
    const idText = text.slice(0, firstNewline)
    const recordEnd = text.indexOf("\n\n", firstNewline)
    if (firstNewline < 0 || recordEnd < 0 || !/^(0|[1-9]\d*)$/.test(idText)) {
      return yield* failure("LookupFailed", `checksum database lookup ${url}: malformed answer`, remedy)
    }
    const id = Number(idText)
    const record = text.slice(firstNewline + 1, recordEnd + 1)
    const opened = openNote(text.slice(recordEnd + 2), key)
    if (opened._tag !== "Verified") {
      const why = opened._tag === "Malformed"
        ? `the signed tree is malformed (${opened.reason})`
        : opened._tag === "BadSignature"
        ? `the signature by ${key.name} does not verify`
        : `the tree is not signed by ${key.name}`
      return yield* failure(
        "BadSignature",
        `checksum database ${db.url}: ${why}`,
        "the checksum database's answer is not signed by the key GOSUMDB names: check the key, or the proxy/database may be compromised"
      )
    }
    const tree = parseTreeNote(opened.text)
    if (tree === undefined) {
      return yield* failure("BadSignature", `checksum database ${db.url}: malformed signed tree head`, remedy)
    }
    const stored = makeHashReader(tree.size, (path) =>
      get(`${db.url}/${path}`).pipe(
        Effect.map((r) => (r.status === 200 ? r.body : undefined)),
        Effect.mapError((e) =>
          failure("LookupFailed", `checksum database tile ${path}: ${e.message}`, remedy)
        )
      ))
    yield* verifyInclusion(stored, tree.size, tree.root, id, recordHash(Buffer.from(record, "utf8"))).pipe(
      Effect.catchTag("TreeProofError", (e) =>
        failure(
          "NotInTree",
          `checksum database ${db.url}: record ${id} for ${module}@${version} is not proven in the signed tree: ${e.message}`,
          "the checksum database's answer is inconsistent: retry later, or check GOSUMDB"
        ))
    )
    const prefix = `${module} ${version} h1:`
    const line = record.split("\n").find((l) => l.startsWith(prefix))
    if (line === undefined) {
      return yield* failure(
        "LookupFailed",
        `checksum database record for ${module}@${version} has no zip hash`,
        remedy
      )
    }
    return line.slice(`${module} ${version} `.length)
  }).pipe(Effect.withSpan("Installer.sumdbLookup", { attributes: { "msb.sumdb": db.url, module, version } }))
