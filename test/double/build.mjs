// Builds the runtime double from test/double/src with the system C++ compiler:
//   build/libmicrosandbox_go_ffi.so   the C ABI (139 msb_* exports + msbd_control)
//   build/msb-double-vm               the process that stands in for a microVM
// Objects are cached by content hash (source + all headers + flags), compiled in
// parallel; the final link happens only when an object changed. Prints the library path.
import { execFile } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { availableParallelism } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

const exec = promisify(execFile)
const here = dirname(fileURLToPath(import.meta.url))
const src = join(here, "src")
const out = join(here, "build")
const obj = join(out, "obj")
const cxx = process.env.CXX ?? "g++"
const flags = ["-std=c++17", "-O2", "-g", "-Wall", "-Wextra", "-Wno-unused-parameter", "-pthread", "-fPIC"]

const files = readdirSync(src).sort()
const headers = files.filter((f) => f.endsWith(".hpp") || f.endsWith(".map"))
const common = createHash("sha256").update(cxx + flags.join(" "))
for (const h of headers) common.update(h).update(readFileSync(join(src, h)))
const commonDigest = common.digest("hex")

mkdirSync(obj, { recursive: true })
const cpp = files.filter((f) => f.endsWith(".cpp"))
const objectOf = (f) => {
  const digest = createHash("sha256").update(commonDigest).update(readFileSync(join(src, f))).digest("hex")
  return join(obj, `${f.replace(/\.cpp$/, "")}-${digest.slice(0, 16)}.o`)
}
const jobs = cpp.map((f) => ({ f, o: objectOf(f) })).filter((j) => !existsSync(j.o))
const limit = Math.max(1, availableParallelism())
let next = 0
const worker = async () => {
  while (next < jobs.length) {
    const job = jobs[next++]
    await exec(cxx, [...flags, "-fvisibility=hidden", "-c", join(src, job.f), "-o", job.o + ".tmp"], {
      maxBuffer: 16 << 20
    }).catch((e) => {
      process.stderr.write(e.stderr ?? String(e))
      process.exit(1)
    })
    renameSync(job.o + ".tmp", job.o)
  }
}
await Promise.all(Array.from({ length: limit }, worker))

const lib = join(out, "libmicrosandbox_go_ffi.so")
const vm = join(out, "msb-double-vm")
const libObjects = cpp.filter((f) => f !== "vm.cpp").map(objectOf)
const vmObjects = ["vm.cpp", "json.cpp", "core.cpp", "store.cpp"].map(objectOf)
const stamp = join(out, ".stamp")
const linkDigest = createHash("sha256").update([...libObjects, ...vmObjects].join("\n")).digest("hex")
if (!(existsSync(stamp) && readFileSync(stamp, "utf8") === linkDigest && existsSync(lib) && existsSync(vm))) {
  await exec(cxx, [
    ...flags,
    "-shared",
    `-Wl,--version-script=${join(src, "exports.map")}`,
    "-o",
    lib + ".tmp",
    ...libObjects,
    "-lutil"
  ])
  await exec(cxx, [...flags, "-o", vm + ".tmp", ...vmObjects, "-lutil"])
  renameSync(lib + ".tmp", lib)
  renameSync(vm + ".tmp", vm)
  writeFileSync(stamp, linkDigest)
}
process.stdout.write(lib + "\n")
