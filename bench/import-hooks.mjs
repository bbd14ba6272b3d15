// Module-loader hooks for bench/import-probe.mjs: counts every file module the ESM loader
// loads (ESM files, and CommonJS files reached by `import`) into a shared counter.
let counter

export async function initialize(data) {
  counter = new Int32Array(data.shared)
}

export async function load(url, context, next) {
  if (url.startsWith("file:")) Atomics.add(counter, 0, 1)
  return next(url, context)
}
