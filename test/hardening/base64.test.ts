// Binary data received from the runtime is standard padded base64 (docs/runtime-abi.md §1.8).
// The library accepts exactly that — a text that `Buffer.from(text, "base64")` encodes back
// to itself — and answers `MalformedResponse` for anything else, where Node's own decoder
// would silently skip, stop or mask characters and hand over other bytes. The exec output
// fast path (which decodes stdout/stderr events without JSON.parse) must agree with the
// Schema path on every document.
//
// The seed of the properties is printed; replay a run with FC_SEED=<seed>.
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as Exec from "../../src/Exec.js"
import { parseEvent } from "../../src/internal/exec/wire.js"
import { BytesFromBase64, decodeBase64 } from "../../src/internal/wireCodec.js"

const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 0x7fffffff))
console.log(
  `[base64] fast-check seed ${seed} (replay: FC_SEED=${seed} npx vitest run test/hardening/base64.test.ts)`
)

/** The definition: the text is the standard padded base64 of what Node decodes it to. */
const canonical = (text: string) => Buffer.from(text, "base64").toString("base64") === text

/** Characters near the alphabet: padding, base64url, whitespace, JSON's quote and escape, beyond ASCII. */
const odd = fc.constantFrom(
  "=",
  "-",
  "_",
  " ",
  "\n",
  "\"",
  "\\",
  "!",
  "\u00c1",
  "\u0144",
  "\u0444",
  "\u20ac",
  "😀"
)

/** Valid encodings, then one to three edits (replace, insert, delete, truncate) that may break them. */
const nearlyBase64 = fc.tuple(
  fc.uint8Array({ maxLength: 40 }),
  fc.array(
    fc.tuple(
      fc.constantFrom("replace", "insert", "delete", "truncate"),
      fc.nat(),
      fc.oneof(odd, fc.base64())
    ),
    { minLength: 0, maxLength: 3 }
  )
).map(([bytes, edits]) => {
  let text = Buffer.from(bytes).toString("base64")
  for (const [edit, at, c] of edits) {
    const i = text.length === 0 ? 0 : at % text.length
    text = edit === "replace"
      ? text.slice(0, i) + c + text.slice(i + 1)
      : edit === "insert"
      ? text.slice(0, i) + c + text.slice(i)
      : edit === "delete"
      ? text.slice(0, i) + text.slice(i + 1)
      : text.slice(0, i)
  }
  return text
})

const ctx = { operation: "Sandbox.execStream", sandbox: "box" }

describe("base64 from the runtime", () => {
  it.prop(
    "decodes what the runtime writes to the very bytes",
    [fc.uint8Array({ maxLength: 5000 })],
    ([bytes]) => {
      expect(decodeBase64(Buffer.from(bytes).toString("base64"))).toEqual(Buffer.from(bytes))
    },
    { fastCheck: { seed, numRuns: 200 } }
  )

  it.prop(
    "accepts a text exactly when it is the standard padded base64 of its bytes",
    [fc.oneof(nearlyBase64, fc.string({ maxLength: 12 }), fc.string({ unit: odd, maxLength: 8 }))],
    ([text]) => {
      const decoded = decodeBase64(text)
      expect(decoded !== undefined).toBe(canonical(text))
      if (decoded !== undefined) expect(Buffer.from(decoded).toString("base64")).toBe(text)
    },
    { fastCheck: { seed, numRuns: 2000 } }
  )

  it("refuses what Node's decoder would take with other bytes", () => {
    for (
      const text of [
        "QUJ\u0144", // the low byte of ń is "D": Node decodes "ABC"
        "QUJD\n",
        "QU JD",
        "QUJD-A==", // base64url
        "QUJD_A==",
        "QUJ", // no padding
        "QUJ=", // stray bits under the padding ("QUI=" is canonical)
        "QU=D",
        "QUI=QUJD"
      ]
    ) {
      expect(decodeBase64(text), JSON.stringify(text)).toBeUndefined()
      // …which Node decodes without a word.
      expect(Buffer.from(text, "base64").length, JSON.stringify(text)).toBeGreaterThan(0)
    }
    expect(decodeBase64("QUI=")).toEqual(Buffer.from("AB"))
    expect(decodeBase64("")).toEqual(Buffer.alloc(0))
  })

  it("the Schema fails with a ParseError on a text that is not, and encodes back", () => {
    const decode = Schema.decodeUnknownEither(BytesFromBase64)
    expect(Either.isLeft(decode("QUJ\u0144"))).toBe(true)
    expect(decode("QUJD")).toEqual(Either.right(Buffer.from("ABC")))
    expect(Schema.encodeSync(BytesFromBase64)(new Uint8Array([1, 2, 3]))).toBe("AQID")
  })
})

describe("exec output events", () => {
  it.prop(
    "the fast path and the Schema path decode every output document alike",
    [fc.constantFrom("stdout", "stderr"), fc.oneof(nearlyBase64, fc.base64String())],
    ([stream, data]) => {
      const exact = `{"event":"${stream}","data":${JSON.stringify(data)}}`
      // The same document in a form the fast path leaves to the Schema (spacing, order).
      const spaced = `{ "data": ${JSON.stringify(data)}, "event": "${stream}" }`
      const a = parseEvent(exact, ctx)
      const b = parseEvent(spaced, ctx)
      const bytes = decodeBase64(data)
      if (bytes === undefined) {
        expect(Either.isLeft(a) && a.left._tag).toBe("MalformedResponse")
        expect(Either.isLeft(b) && b.left._tag).toBe("MalformedResponse")
      } else {
        const event = stream === "stdout"
          ? Exec.ExecEvent.Stdout({ data: bytes })
          : Exec.ExecEvent.Stderr({ data: bytes })
        expect(a).toEqual(Either.right(event))
        expect(b).toEqual(Either.right(event))
      }
    },
    { fastCheck: { seed, numRuns: 500 } }
  )

  it("a JSON escape inside the data is decoded by the Schema path", () => {
    // "QUJD\/A==" is the JSON text of "QUJD/A==": valid, but not the fast path's exact form.
    expect(parseEvent(`{"event":"stdout","data":"QUJD\\/A=="}`, ctx)).toEqual(
      Either.right(Exec.ExecEvent.Stdout({ data: Buffer.from("QUJD/A==", "base64") }))
    )
    const bad = parseEvent(`{"event":"stderr","data":"QUJD-A=="}`, ctx)
    expect(Either.isLeft(bad) && [bad.left._tag, bad.left.raw]).toEqual([
      "MalformedResponse",
      `{"event":"stderr","data":"QUJD-A=="}`
    ])
  })
})
