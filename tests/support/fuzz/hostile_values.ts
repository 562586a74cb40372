/**
 * Values a body should not hold: of the wrong type, or of the right type but hostile (100 KB
 * strings, control characters, `1e999`, nesting 10,000 deep, invalid UTF-8, `__proto__`, names
 * like `constructor` that every object inherits). Any
 * mutation that puts "something wrong" somewhere draws it from here.
 *
 * @module
 */

import { pick, type Rng } from "./draw.ts";
import { Bytes, Raw } from "./encode.ts";

/** How deep the deeply nested values go. */
const NESTING_DEPTH = 10_000;

/** Byte sequences UTF-8 forbids, by name. */
export const INVALID_UTF8: [string, number[]][] = [
  ["0xFF", [0xff]],
  ["C3 28", [0xc3, 0x28]],
  ["encoded surrogate", [0xed, 0xa0, 0x80]],
  ["overlong slash", [0xc0, 0xaf]],
  ["5-byte sequence", [0xf8, 0x88, 0x80, 0x80, 0x80]],
  ["cut-off sequence", [0xe2, 0x82]],
];

/** What a deeply nested value is made of. */
export type Nesting = "arrays" | "objects";

const NESTED: Record<Nesting, (depth: number) => string> = {
  arrays: (n) => "[".repeat(n) + "]".repeat(n),
  objects: (n) => '{"a":'.repeat(n) + "1" + "}".repeat(n),
};

/** A JSON value nested 10,000 deep. */
export function deeplyNested(kind: Nesting): Raw {
  return new Raw(NESTED[kind](NESTING_DEPTH));
}

/** Values of the wrong type, or of the right type but hostile, by name. */
const HOSTILE_VALUES: [string, (rng: Rng) => unknown][] = [
  ["number", () => 42],
  ["negative number", () => -1],
  ["float", () => 0.5],
  ["true", () => true],
  ["null", () => null],
  ["empty string", () => ""],
  ["empty array", () => []],
  ["empty object", () => ({})],
  ["array of strings", () => ["gpt-4o", "claude-sonnet-4-6"]],
  ["object", () => ({ id: "gpt-4o", type: "text" })],
  ["100 KB string", () => "m".repeat(100_000)],
  ["control characters", () => "\u0001\u0002\u001b[31m\u007f"],
  ["line separator", () => "gpt-4o\u2028"],
  ["non-Latin-1 text", () => "模型"],
  ["newline", () => "\n"],
  ["CRLF header injection", () => "gpt-4o\r\nx-injected: 1"],
  ["NUL", () => "gpt\u0000-4o"],
  ["lone surrogate", () => "\ud800x"],
  ["1e999", () => new Raw("1e999")],
  ["-1e999", () => new Raw("-1e999")],
  ["2^64+1", () => new Raw("18446744073709551617")],
  ["-0", () => new Raw("-0")],
  ["nesting 10,000 deep (arrays)", () => deeplyNested("arrays")],
  ["nesting 10,000 deep (objects)", () => deeplyNested("objects")],
  ["array of 100,000 numbers", () => new Raw(`[${"1,".repeat(99_999)}1]`)],
  ["invalid UTF-8", (rng) => invalidUtf8String(rng)],
  ["__proto__ object", () => new Raw('{"__proto__":{"polluted":true},"constructor":1}')],
  // A name every object inherits: a lookup in a plain table finds a function, not undefined.
  [
    "Object.prototype member name",
    (rng) => pick(rng, ["constructor", "toString", "hasOwnProperty", "valueOf", "__proto__"]),
  ],
];

/** One hostile value, made fresh, and its name. */
export function hostileValue(rng: Rng): [name: string, value: unknown] {
  const [name, make] = pick(rng, HOSTILE_VALUES);
  return [name, make(rng)];
}

/** `gpt-4o` with invalid UTF-8 in its middle. */
function invalidUtf8String(rng: Rng): Bytes {
  const [, bytes] = pick(rng, INVALID_UTF8);
  const text = new TextEncoder().encode("gpt-4o");
  return new Bytes(new Uint8Array([...text.subarray(0, 3), ...bytes, ...text.subarray(3)]));
}
