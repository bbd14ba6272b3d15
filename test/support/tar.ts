// A small ustar writer and reader for tests, and builders of image archives made by hand:
// a `docker save` tarball (manifest.json with RepoTags, the config, one layer tar per
// layer under blobs/sha256/) and an OCI image layout. Digests are exposed so tests can
// compare what the runtime reports with what the archive holds.
import { createHash } from "node:crypto"

export interface TarEntry {
  readonly name: string
  readonly type?: "file" | "dir" | "symlink"
  readonly data?: Buffer | string
  readonly link?: string
  readonly mode?: number
}

const octal = (n: number, width: number) => n.toString(8).padStart(width - 1, "0") + "\0"

const header = (name: string, type: string, size: number, mode: number, link: string): Buffer => {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar name too long for this writer: ${name}`)
  const h = Buffer.alloc(512)
  h.write(name, 0, 100, "utf8")
  h.write(octal(mode, 8), 100, "ascii")
  h.write(octal(0, 8), 108, "ascii")
  h.write(octal(0, 8), 116, "ascii")
  h.write(octal(size, 12), 124, "ascii")
  h.write(octal(1_700_000_000, 12), 136, "ascii")
  h.write(type, 156, "ascii")
  h.write(link, 157, 100, "utf8")
  h.write("ustar\u000000", 257, "binary")
  h.fill(" ", 148, 156)
  let sum = 0
  for (const b of h) sum += b
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "ascii")
  return h
}

/** A tar archive of the entries, in order. */
export const tar = (entries: ReadonlyArray<TarEntry>): Buffer => {
  const parts: Array<Buffer> = []
  for (const e of entries) {
    const type = e.type ?? "file"
    if (type === "dir") {
      parts.push(header(e.name.endsWith("/") ? e.name : `${e.name}/`, "5", 0, e.mode ?? 0o755, ""))
    } else if (type === "symlink") {
      parts.push(header(e.name, "2", 0, 0o777, e.link ?? ""))
    } else {
      const data = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data ?? "")
      parts.push(header(e.name, "0", data.length, e.mode ?? 0o644, ""))
      parts.push(data, Buffer.alloc((512 - (data.length % 512)) % 512))
    }
  }
  parts.push(Buffer.alloc(1024))
  return Buffer.concat(parts)
}

/** The entries of a tar archive (files, directories, symlinks; long names via GNU/PAX). */
export const untar = (buf: Buffer): Array<{ name: string; type: string; data: Buffer }> => {
  const out: Array<{ name: string; type: string; data: Buffer }> = []
  let off = 0
  let longName: string | undefined
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512)
    if (h.every((b) => b === 0)) break
    const str = (a: number, n: number) => {
      const s = h.subarray(a, a + n)
      const z = s.indexOf(0)
      return s.subarray(0, z < 0 ? n : z).toString("utf8")
    }
    const size = parseInt(str(124, 12).trim() || "0", 8)
    const type = str(156, 1) || "0"
    let name = str(0, 100)
    const prefix = str(257, 6).startsWith("ustar") ? str(345, 155) : ""
    if (prefix) name = `${prefix}/${name}`
    const data = buf.subarray(off + 512, off + 512 + size)
    off += 512 + Math.ceil(size / 512) * 512
    if (type === "L") {
      longName = data.toString("utf8").replace(/\0+$/, "")
      continue
    }
    if (type === "x" || type === "g") continue
    out.push({ name: (longName ?? name).replace(/^\.\//, ""), type, data })
    longName = undefined
  }
  return out
}

export const sha256 = (data: Buffer | string): string => createHash("sha256").update(data).digest("hex")

export interface ImageSpec {
  /** References in RepoTags (docker) or ref-name annotations (OCI). */
  readonly tags: ReadonlyArray<string>
  /** Files of the single layer, path → contents. */
  readonly files: Readonly<Record<string, string>>
  readonly env?: ReadonlyArray<string>
  readonly cmd?: ReadonlyArray<string>
  readonly workingDir?: string
  readonly labels?: Readonly<Record<string, string>>
}

export interface BuiltImage {
  readonly archive: Buffer
  readonly config: Buffer
  readonly configDigest: string
  readonly layer: Buffer
  readonly layerDigest: string
  /** The OCI manifest the runtime synthesises for a docker archive, and its digest. */
  readonly manifestDigest: string
}

const layerOf = (files: Readonly<Record<string, string>>): Buffer => {
  const dirs = new Set<string>()
  for (const path of Object.keys(files)) {
    const parts = path.split("/")
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"))
  }
  return tar([
    ...[...dirs].sort().map((d): TarEntry => ({ name: d, type: "dir" })),
    ...Object.entries(files).map(([name, data]): TarEntry => ({ name, data }))
  ])
}

const configOf = (spec: ImageSpec, diffId: string): Buffer =>
  Buffer.from(JSON.stringify({
    architecture: "amd64",
    os: "linux",
    config: {
      Env: spec.env ?? ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      Cmd: spec.cmd ?? ["/bin/sh"],
      WorkingDir: spec.workingDir ?? "/",
      Labels: spec.labels ?? {}
    },
    rootfs: { type: "layers", diff_ids: [`sha256:${diffId}`] },
    history: [{ created_by: "effect-microsandbox test" }]
  }))

/** A `docker save`-style archive with one layer. */
export const dockerArchive = (spec: ImageSpec): BuiltImage => {
  const layer = layerOf(spec.files)
  const layerDigest = sha256(layer)
  const config = configOf(spec, layerDigest)
  const configDigest = sha256(config)
  const manifest = [{
    Config: `blobs/sha256/${configDigest}`,
    RepoTags: spec.tags,
    Layers: [`blobs/sha256/${layerDigest}`]
  }]
  const archive = tar([
    { name: "blobs", type: "dir" },
    { name: "blobs/sha256", type: "dir" },
    { name: `blobs/sha256/${configDigest}`, data: config },
    { name: `blobs/sha256/${layerDigest}`, data: layer },
    { name: "manifest.json", data: JSON.stringify(manifest) }
  ])
  // serde_json's default map is sorted by key.
  const synthesised = JSON.stringify({
    config: {
      digest: `sha256:${configDigest}`,
      mediaType: "application/vnd.oci.image.config.v1+json",
      size: config.length
    },
    layers: [{
      digest: `sha256:${layerDigest}`,
      mediaType: "application/vnd.oci.image.layer.v1.tar",
      size: layer.length
    }],
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    schemaVersion: 2
  })
  return {
    archive,
    config,
    configDigest: `sha256:${configDigest}`,
    layer,
    layerDigest: `sha256:${layerDigest}`,
    manifestDigest: `sha256:${sha256(synthesised)}`
  }
}

/** An OCI image layout archive with one image and one layer. */
export const ociArchive = (spec: ImageSpec): BuiltImage => {
  const layer = layerOf(spec.files)
  const layerDigest = sha256(layer)
  const config = configOf(spec, layerDigest)
  const configDigest = sha256(config)
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: {
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: `sha256:${configDigest}`,
      size: config.length
    },
    layers: [{
      mediaType: "application/vnd.oci.image.layer.v1.tar",
      digest: `sha256:${layerDigest}`,
      size: layer.length
    }]
  }))
  const manifestDigest = sha256(manifest)
  const index = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: spec.tags.map((t) => ({
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: `sha256:${manifestDigest}`,
      size: manifest.length,
      platform: { architecture: "amd64", os: "linux" },
      annotations: { "org.opencontainers.image.ref.name": t }
    }))
  }
  const archive = tar([
    { name: "oci-layout", data: JSON.stringify({ imageLayoutVersion: "1.0.0" }) },
    { name: "index.json", data: JSON.stringify(index) },
    { name: "blobs", type: "dir" },
    { name: "blobs/sha256", type: "dir" },
    { name: `blobs/sha256/${manifestDigest}`, data: manifest },
    { name: `blobs/sha256/${configDigest}`, data: config },
    { name: `blobs/sha256/${layerDigest}`, data: layer }
  ])
  return {
    archive,
    config,
    configDigest: `sha256:${configDigest}`,
    layer,
    layerDigest: `sha256:${layerDigest}`,
    manifestDigest: `sha256:${manifestDigest}`
  }
}
