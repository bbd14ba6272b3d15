/**
 * How the Go tool reads its module settings, restated for the few we need: the
 * `GOPROXY` list, the `GOSUMDB` value, the `GONOSUMDB`/`GOPRIVATE` patterns, and module
 * path escaping for proxy URLs.
 *
 * @internal
 */

/** The upstream Go module that carries the prebuilt runtime library. */
export const MODULE_PATH = "github.com/superradcompany/microsandbox/sdk/go"

/** One entry of a `GOPROXY` list. */
export type ProxyEntry =
  | { readonly kind: "url"; readonly url: string; readonly fallThrough: "notFound" | "anyError" }
  | { readonly kind: "direct"; readonly fallThrough: "notFound" | "anyError" }
  | { readonly kind: "off" }

/**
 * Parses `GOPROXY` as the Go tool does. Entries are separated by `,` (after a failure
 * the next entry is tried only when this one answered 404 or 410) or `|` (the next
 * entry is tried after any error); the separator *after* an entry decides. `off`
 * disallows downloads and `direct` means the version control system; both end the
 * list. An entry with a dot, colon or slash but no scheme is an https URL; any other
 * single word is an error.
 */
export const parseGoProxy = (value: string): { readonly entries: ReadonlyArray<ProxyEntry> } | {
  readonly error: string
} => {
  const entries: Array<ProxyEntry> = []
  let rest = value
  while (rest.length > 0) {
    const m = /[,|]/.exec(rest)
    const raw = (m ? rest.slice(0, m.index) : rest).trim()
    const fallThrough = m?.[0] === "|" ? "anyError" : "notFound"
    rest = m ? rest.slice(m.index + 1) : ""
    if (raw === "") continue
    if (raw === "off") {
      entries.push({ kind: "off" })
      break
    }
    if (raw === "direct") {
      entries.push({ kind: "direct", fallThrough })
      break
    }
    let url = raw
    if (/[.:/]/.test(raw) && !raw.includes(":/") && !raw.startsWith("/")) url = `https://${raw}`
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      return { error: `GOPROXY entry "${raw}" is not a URL (nor "direct" or "off")` }
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
      return {
        error:
          `GOPROXY entry "${raw}": only http and https proxies are supported here (not ${parsed.protocol})`
      }
    }
    entries.push({ kind: "url", url: url.replace(/\/+$/, ""), fallThrough })
  }
  return entries.length === 0 ? { error: "GOPROXY is set but contains no entries" } : { entries }
}

/**
 * Escapes a module path or version for a proxy URL: every uppercase letter becomes
 * `!` followed by its lowercase form (the module cache's case-folding rule).
 */
export const escapeModulePath = (path: string): string => path.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`)

/** A parsed `GOSUMDB` value: the verifier key and the database's URL. */
export interface SumDbConfig {
  readonly name: string
  readonly key: string
  readonly url: string
}

/**
 * The checksum databases whose verifier keys the Go tool itself knows, so that
 * `GOSUMDB=sum.golang.org` (what `go env GOSUMDB` prints by default) works without the
 * key spelled out. The key is public data, published by the database's operator.
 */
const knownSumDbKeys: Readonly<Record<string, string>> = {
  "sum.golang.org": "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8",
  // the same database under another name (served from mainland China)
  "sum.golang.google.cn": "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
}

/**
 * Parses `GOSUMDB` (`<name>+<hash>+<keydata> [<url>]`). `off` disables checksum
 * verification. A bare name is accepted only for the databases the Go tool knows
 * (`sum.golang.org`, `sum.golang.google.cn`); any other must carry its verifier key.
 * Without a URL the database is at `https://<name>` (the name as written).
 */
export const parseGoSumDb = (value: string): { readonly off: true } | { readonly config: SumDbConfig } | {
  readonly error: string
} => {
  const fields = value.trim().split(/\s+/).filter((f) => f.length > 0)
  if (fields.length === 0) return { error: "GOSUMDB is empty" }
  if (fields.length === 1 && fields[0] === "off") return { off: true }
  if (fields.length > 2) return { error: `GOSUMDB has too many fields: "${value}"` }
  const written = fields[0]!
  const known = knownSumDbKeys[written]
  const key = known ?? written
  const plus = key.indexOf("+")
  if (plus < 0 || key.indexOf("+", plus + 1) < 0) {
    return {
      error:
        `GOSUMDB "${key}" names a checksum database without its verifier key; set it as <name>+<hash>+<key> [<url>] (only sum.golang.org's key is built in, as in the Go tool)`
    }
  }
  const name = key.slice(0, plus)
  const url = fields[1] ?? `https://${known !== undefined ? written : name}`
  if (!/^https?:\/\//.test(url)) return { error: `GOSUMDB URL "${url}" must be http or https` }
  return { config: { name, key, url: url.replace(/\/+$/, "") } }
}

/**
 * Whether a module path matches a comma-separated list of glob patterns as the Go tool
 * matches `GOPRIVATE`/`GONOSUMDB`: a pattern matches when it matches a prefix of the
 * path made of the same number of `/`-separated elements; `*` and `?` do not cross `/`.
 */
export const matchesGlobList = (patterns: string, path: string): boolean => {
  const elements = path.split("/")
  return patterns.split(",").map((p) => p.trim()).filter((p) => p.length > 0).some((pattern) => {
    const want = pattern.split("/").length
    if (want > elements.length) return false
    const prefix = elements.slice(0, want).join("/")
    return globToRegExp(pattern).test(prefix)
  })
}

const globToRegExp = (glob: string): RegExp => {
  let re = ""
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!
    if (c === "*") re += "[^/]*"
    else if (c === "?") re += "[^/]"
    else if (c === "[") {
      const end = glob.indexOf("]", i + 1)
      if (end < 0) re += "\\["
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, "\\\\")
        re += body.startsWith("^") ? `[^/${body.slice(1)}]` : `[${body}]`
        i = end
      }
    } else if (c === "\\" && i + 1 < glob.length) {
      re += glob[++i]!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    } else re += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  }
  return new RegExp(`^${re}$`)
}

/** Go's names for an OS and architecture, and the library's file name in the module. */
export const bundleFile = (
  platform: NodeJS.Platform,
  arch: string
): { readonly goos: string; readonly goarch: string; readonly path: string } | undefined => {
  const goos = platform === "darwin" ? "darwin" : platform === "linux" ? "linux" : platform === "win32"
    ? "windows"
    : undefined
  const goarch = arch === "x64" ? "amd64" : arch === "arm64" ? "arm64" : undefined
  if (goos === undefined || goarch === undefined) return undefined
  const ext = goos === "darwin" ? "dylib" : goos === "windows" ? "dll" : "so"
  return { goos, goarch, path: `internal/bundle/bundles/libmicrosandbox_go_ffi-${goos}-${goarch}.${ext}` }
}
