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

/** Who is calling: their squint key and their own provider key, as presented. */
export interface Identity {
  squintKey?: string;
  /** A credential that is not a squint key: the client's own provider key. */
  clientKey?: string;
}

/**
 * Checks the credentials a request presents, before anything else is done for it: an unknown
 * explicit squint key, or a missing squint key where one is required, is refused with 401.
 */
export function identify(headers: Headers, config: Config): Identity {
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
  const clientKey = presentedIsSquintKey ? undefined : presented;
  if (clientKey && !squintKey && requiresSquintKey(config)) {
    throw new GatewayError(
      401,
      "this squint requires a squint key: send X-Squint-Key along with your own provider key",
      "authentication_error",
      "missing_squint_key",
    );
  }
  if (!clientKey && !squintKey && requiresSquintKey(config)) {
    throw new GatewayError(
      401,
      "missing squint key: send it as Authorization: Bearer, x-api-key or X-Squint-Key",
      "authentication_error",
      "missing_squint_key",
    );
  }
  return { squintKey, clientKey };
}

/**
 * The caller for one upstream: the client's own key goes as it came; a squint key uses squint's
 * key for that upstream (`serverKey`), and is refused when squint holds none.
 */
export function callerFor(identity: Identity, serverKey: string | undefined): Caller {
  if (identity.clientKey) return { squintKey: identity.squintKey, providerKey: identity.clientKey };
  if (!identity.squintKey) {
    if (serverKey) {
      throw new GatewayError(
        401,
        "missing squint key: send it as Authorization: Bearer, x-api-key or X-Squint-Key",
        "authentication_error",
        "missing_squint_key",
      );
    }
    return {};
  }
  if (!serverKey) {
    throw new GatewayError(
      401,
      "squint holds no provider key for this upstream: send your own in Authorization",
      "authentication_error",
      "no_server_key",
    );
  }
  return { squintKey: identity.squintKey, providerKey: serverKey };
}

/** Authenticates a request for one upstream whose server-side key is `serverKey`. */
export function authenticate(
  headers: Headers,
  config: Config,
  serverKey: string | undefined,
): Caller {
  return callerFor(identify(headers, config), serverKey);
}
