/**
 * Downloads a module zip through the `GOPROXY` list: `<proxy>/<escaped module>/@v/<escaped
 * version>.zip`, falling through to the next entry as the Go tool does (after a 404 or
 * 410 always, after any other error only when the entry was followed by `|`).
 *
 * @internal
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { InstallFailed } from "../errorModel.js"
import { escapeModulePath, type ProxyEntry } from "./goenv.js"

const OPERATION = "Installer.ensureInstalled"

/** Progress of a download. */
export interface DownloadProgress {
  readonly url: string
  readonly receivedBytes: number
  /** From Content-Length, when the proxy sent it. */
  readonly totalBytes: number | undefined
}

type Outcome = { readonly notFound: boolean; readonly detail: string }

const fetchInto = (
  url: string,
  target: string,
  onProgress: (p: DownloadProgress) => Effect.Effect<void>
): Effect.Effect<Outcome | undefined, never, HttpClient.HttpClient | FileSystem.FileSystem> =>
  Effect.gen(function*() {
    // Proxies may redirect downloads to their storage.
    const client = HttpClient.followRedirects(yield* HttpClient.HttpClient, 10)
    const fs = yield* FileSystem.FileSystem
    return yield* Effect.scoped(Effect.gen(function*() {
      const response = yield* client.get(url)
      if (response.status === 404 || response.status === 410) {
        return { notFound: true, detail: `${url}: ${response.status}` }
      }
      if (response.status !== 200) return { notFound: false, detail: `${url}: HTTP ${response.status}` }
      const length = Number(response.headers["content-length"])
      const totalBytes = Number.isSafeInteger(length) && length >= 0 ? length : undefined
      const file = yield* fs.open(target, { flag: "w", mode: 0o600 })
      let receivedBytes = 0
      yield* onProgress({ url, receivedBytes, totalBytes })
      yield* Stream.runForEach(response.stream, (chunk) =>
        Effect.zipRight(
          file.writeAll(chunk),
          Effect.suspend(() => {
            receivedBytes += chunk.length
            return onProgress({ url, receivedBytes, totalBytes })
          })
        ))
      if (totalBytes !== undefined && receivedBytes !== totalBytes) {
        return { notFound: false, detail: `${url}: received ${receivedBytes} of ${totalBytes} bytes` }
      }
      return undefined
    })).pipe(Effect.catchAll((e) => Effect.succeed({ notFound: false, detail: `${url}: ${e.message}` })))
  })

/** Downloads `module@version`'s zip to `target`; succeeds with the URL it came from. */
export const downloadZip = (
  entries: ReadonlyArray<ProxyEntry>,
  module: string,
  version: string,
  target: string,
  onProgress: (p: DownloadProgress) => Effect.Effect<void>
): Effect.Effect<string, InstallFailed, HttpClient.HttpClient | FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const tried: Array<string> = []
    const fail = (reason: InstallFailed["reason"], head: string, remedy: string) =>
      new InstallFailed({
        message: [head, ...tried.map((t) => `  ${t}`)].join("\n"),
        operation: OPERATION,
        reason,
        remedy
      })
    for (const entry of entries) {
      if (entry.kind === "off") {
        return yield* fail(
          "ProxyDisallowed",
          `GOPROXY disallows module downloads ("off") before ${module}@${version} was found`,
          "set GOPROXY to a Go module proxy URL, or install a Go toolchain, or set MICROSANDBOX_FFI_PATH to a library you have"
        )
      }
      if (entry.kind === "direct") {
        return yield* fail(
          "DirectUnsupported",
          `GOPROXY reached "direct" for ${module}@${version}: fetching from version control needs the Go toolchain`,
          "install a Go toolchain (then its `go mod download` is used), or list a module proxy before \"direct\" in GOPROXY"
        )
      }
      const url = `${entry.url}/${escapeModulePath(module)}/@v/${escapeModulePath(version)}.zip`
      const outcome = yield* fetchInto(url, target, onProgress)
      if (outcome === undefined) return url
      tried.push(outcome.detail)
      if (!outcome.notFound && entry.fallThrough === "notFound") break
    }
    return yield* fail(
      "ProxyFailed",
      `no module proxy in GOPROXY served ${module}@${version}:`,
      "check GOPROXY and the network; a proxy separated by \"|\" is tried after any error, one separated by \",\" only after 404/410"
    )
  })
