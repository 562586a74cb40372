/**
 * What the source's own encoding says about how a render of it should be encoded: the quality
 * a JPEG was saved at (read from its quantization table) and whether a WebP is lossless. Header
 * bytes only; nothing is decoded.
 *
 * @module
 */

/** The IJG (libjpeg) luminance quantization table at quality 50 (JPEG Annex K.1). */
const IJG_LUMINANCE = [
  16,
  11,
  10,
  16,
  24,
  40,
  51,
  61,
  12,
  12,
  14,
  19,
  26,
  58,
  60,
  55,
  14,
  13,
  16,
  24,
  40,
  57,
  69,
  56,
  14,
  17,
  22,
  29,
  51,
  87,
  80,
  62,
  18,
  22,
  37,
  56,
  68,
  109,
  103,
  77,
  24,
  35,
  55,
  64,
  81,
  104,
  113,
  92,
  49,
  64,
  78,
  87,
  103,
  121,
  120,
  101,
  72,
  92,
  95,
  98,
  112,
  100,
  103,
  99,
];
const IJG_SUM = IJG_LUMINANCE.reduce((a, b) => a + b, 0);

/**
 * The IJG quality (1-100) a JPEG's luminance table corresponds to, or undefined when there is
 * none before the first scan. libjpeg scales the Annex K table by `S` percent (`S = 5000/q`
 * below quality 50, `200 - 2q` above); the ratio of the table's sum to the standard one gives
 * `S` back. Other encoders' tables give the IJG quality of the same coarseness.
 */
export function jpegQuality(bytes: Uint8Array): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 2; at + 4 <= bytes.length && bytes[at] === 0xff;) {
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    // SOS: tables come before the first scan.
    if (marker === 0xda) return undefined;
    const length = view.getUint16(at + 2);
    if (marker === 0xdb) {
      const end = Math.min(at + 2 + length, bytes.length);
      for (let t = at + 4; t < end;) {
        const precision = bytes[t] >> 4;
        const id = bytes[t] & 0x0f;
        const size = precision ? 128 : 64;
        if (t + 1 + size > end) return undefined;
        if (id === 0) {
          let sum = 0;
          for (let i = 0; i < 64; i++) {
            sum += precision ? view.getUint16(t + 1 + 2 * i) : bytes[t + 1 + i];
          }
          const scale = (100 * sum) / IJG_SUM;
          const quality = scale <= 100 ? (200 - scale) / 2 : 5000 / scale;
          return Math.max(1, Math.min(100, Math.round(quality)));
        }
        t += 1 + size;
      }
    }
    at += 2 + length;
  }
  return undefined;
}

const ascii = (b: Uint8Array, at: number) => String.fromCharCode(...b.subarray(at, at + 4));

/**
 * Whether a WebP is lossless (its image data is a `VP8L` chunk), walking an extended file's
 * chunks (`VP8X`, `ICCP`, `ANIM`, `ALPH`…) to the first image chunk. Undefined when not found.
 */
export function webpLossless(bytes: Uint8Array): boolean | undefined {
  if (bytes.length < 20 || ascii(bytes, 0) !== "RIFF" || ascii(bytes, 8) !== "WEBP") {
    return undefined;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 12; at + 8 <= bytes.length;) {
    const type = ascii(bytes, at);
    if (type === "VP8L") return true;
    if (type === "VP8 ") return false;
    // An animation's frames (ANMF) hold their own image chunks after a 16-byte frame header.
    if (type === "ANMF") {
      at += 8 + 16;
      continue;
    }
    const size = view.getUint32(at + 4, true);
    at += 8 + size + (size & 1);
  }
  return undefined;
}
