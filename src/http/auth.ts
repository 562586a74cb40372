/**
 * Who is calling and whose provider key is used (CONTRACT.md, Keys): a known squint key uses
 * squint's server-side provider key; any other credential is the client's own provider key.
 * No unauthenticated client ever reaches a server-side provider key.
 */
import { type Config, requiresSquintKey } from "../config.ts";
import { GatewayError } from "./errors.ts";

/** The outcome of authentication. */
export interface Caller {
  /** The squint key presented, when one was. */
  squintKey?: string;
  /** The provider key to send upstream; undefined: send none. */
  providerKey?: string;
}

function bearer(headers: Headers): string | undefined {
  const value = headers.get("authorization");
  const match = value?.match(/^Bearer\s+(.+)$/i);
  return match?.[1].trim() || undefined;
}

function safeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Membership that compares every key in full, so timing does not reveal a near match. */
function isKnown(candidate: string, keys: readonly string[]): boolean {
  return keys.reduce((found, key) => safeEqual(candidate, key) || found, false);
}

/** Authenticates a request for the OpenAI-compatible upstream. */
export function authenticate(
  headers: Headers,
  config: Config,
  serverKey: string | undefined,
): Caller {
  const explicit = headers.get("x-squint-key")?.trim() || undefined;
  const presented = bearer(headers) ?? (headers.get("x-api-key")?.trim() || undefined);
  const keys = config.api_keys;
  if (explicit !== undefined && !isKnown(explicit, keys)) {
    throw new GatewayError(
      401,
      "unknown squint key (X-Squint-Key)",
      "authentication_error",
      "invalid_squint_key",
    );
  }
  const presentedIsSquintKey = presented !== undefined && isKnown(presented, keys);
  const squintKey = explicit ?? (presentedIsSquintKey ? presented : undefined);
  // A squint key is never a provider key, whichever header carries it.
  const clientProviderKey = presentedIsSquintKey ? undefined : presented;
  if (clientProviderKey) {
    if (!squintKey && requiresSquintKey(config)) {
      throw new GatewayError(
        401,
        "this squint requires a squint key: send X-Squint-Key along with your own provider key",
        "authentication_error",
        "missing_squint_key",
      );
    }
    return { squintKey, providerKey: clientProviderKey };
  }
  if (squintKey) {
    if (!serverKey) {
      throw new GatewayError(
        401,
        "squint holds no provider key for this upstream: send your own in Authorization",
        "authentication_error",
        "no_server_key",
      );
    }
    return { squintKey, providerKey: serverKey };
  }
  if (requiresSquintKey(config) || serverKey) {
    throw new GatewayError(
      401,
      "missing squint key: send it as Authorization: Bearer, x-api-key or X-Squint-Key",
      "authentication_error",
      "missing_squint_key",
    );
  }
  return {};
}
