/**
 * Secrets: new squint keys, their stored hash, and encryption of provider keys at rest
 * (AES-256-GCM, a fresh 96-bit nonce each time, the key derived from `SQUINT_ENCRYPTION_KEY` by
 * SHA-256, so any long random string serves).
 */

/** Prefix of every squint key, so one is recognised in a leaked log or config. */
export const SECRET_PREFIX = "sq-";

/** A new key's secret (256 random bits) and its id. */
export function newSecret(): { secret: string; id: string } {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const id = crypto.getRandomValues(new Uint8Array(8));
  return {
    secret: SECRET_PREFIX + bytes.toBase64({ alphabet: "base64url", omitPadding: true }),
    id: `key_${id.toHex()}`,
  };
}

/** The stored form of a secret. */
export async function hashSecret(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret));
  return new Uint8Array(digest).toHex();
}

/** Encrypts and decrypts short strings with one configured key. */
export class Sealer {
  #key: Promise<CryptoKey>;

  constructor(secret: string) {
    this.#key = crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret)).then((raw) =>
      crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"])
    );
  }

  /** `v1.<nonce>.<ciphertext>`, base64url. */
  async seal(text: string): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv },
      await this.#key,
      new TextEncoder().encode(text),
    );
    const b64 = (b: Uint8Array) => b.toBase64({ alphabet: "base64url", omitPadding: true });
    return `v1.${b64(iv)}.${b64(new Uint8Array(sealed))}`;
  }

  /** The text sealed in `value`; throws when it was sealed with another key or altered. */
  async open(value: string): Promise<string> {
    const [version, iv, data] = value.split(".");
    if (version !== "v1" || !iv || !data) throw new Error("not a sealed value");
    const bytes = (s: string) => Uint8Array.fromBase64(s, { alphabet: "base64url" });
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes(iv) },
      await this.#key,
      bytes(data),
    );
    return new TextDecoder().decode(plain);
  }
}
