/**
 * Who is calling and whose provider key is used (CONTRACT.md, Keys): a known squint key uses
 * squint's server-side provider key; any other credential is the client's own provider key.
 * No unauthenticated client ever reaches a server-side provider key.
 */
import { keyId } from "../accounting/key_id.ts";
import { type Config, requiresSquintKey } from "../config.ts";
import type { KeyStore, ResolvedKey } from "./key_store.ts";
import { SECRET_PREFIX } from "./secrets.ts";
import { isDashboardAdmin } from "./sessions.ts";
import { GatewayError } from "../errors.ts";

/** The outcome of authentication. */
export interface Caller {
  /** The squint key presented, when one was. */
  squintKey?: string;
  /** The provider key to send upstream; undefined: send none. */
  providerKey?: string;
  /** The provider key is the client's own (sent in the header it came in, where that matters). */
  own?: boolean;
}

export function bearer(headers: Headers): string | undefined {
  const value = headers.get("authorization");
  const match = value?.match(/^Bearer\s+(.+)$/i);
  return match?.[1].trim() || undefined;
}

/** Equality whose time does not depend on where, or whether, the strings differ. */
export function safeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a), y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/**
 * Whether the request carries the admin token (never when none is configured), or comes from a
 * signed-in dashboard page (its session cookie and the dashboard's own header).
 */
export function isAdmin(headers: Headers, config: Config): boolean {
  const presented = bearer(headers);
  return (config.admin_token !== undefined && presented !== undefined &&
    safeEqual(presented, config.admin_token)) || isDashboardAdmin(headers, config);
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
  /** The stored key the squint key is (production), with its limits and provider keys. */
  key?: ResolvedKey;
}

/**
 * Whether `candidate` is a squint key: one of the configured keys, or a live stored key (only a
 * credential shaped like one is looked up, so a provider key never reaches the key store).
 */
async function squintKeyOf(
  candidate: string | undefined,
  config: Config,
  keys: KeyStore | undefined,
): Promise<{ known: boolean; key?: ResolvedKey }> {
  if (candidate === undefined) return { known: false };
  if (isKnown(candidate, config.api_keys)) return { known: true };
  if (!keys || !candidate.startsWith(SECRET_PREFIX)) return { known: false };
  const key = await keys.find(candidate);
  return { known: key !== undefined, key };
}

/** The request log's and cache's name for the caller: the stored key's id, else a key hash. */
export async function tenantOf(identity: Identity): Promise<string | null> {
  return identity.key?.id ?? await keyId(identity.squintKey ?? identity.clientKey);
}

/**
 * Checks the credentials a request presents, before anything else is done for it: an unknown
 * explicit squint key, or a missing squint key where one is required, is refused with 401.
 */
export async function identify(
  headers: Headers,
  config: Config,
  keys?: KeyStore,
): Promise<Identity> {
  const explicit = headers.get("x-squint-key")?.trim() || undefined;
  const presented = bearer(headers) ?? (headers.get("x-api-key")?.trim() || undefined) ??
    (headers.get("x-goog-api-key")?.trim() || undefined);
  const explicitKey = await squintKeyOf(explicit, config, keys);
  if (explicit !== undefined && !explicitKey.known) {
    throw new GatewayError(
      401,
      "unknown squint key (X-Squint-Key)",
      "authentication_error",
      "invalid_squint_key",
    );
  }
  const presentedKey = await squintKeyOf(presented, config, keys);
  const presentedIsSquintKey = presentedKey.known;
  const squintKey = explicit ?? (presentedIsSquintKey ? presented : undefined);
  const key = explicit !== undefined ? explicitKey.key : presentedKey.key;
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
  return { squintKey, clientKey, key };
}

/**
 * The caller for one upstream: the client's own key goes as it came; a squint key uses its own
 * provider key for `provider` when the stored key has one, else squint's key for that upstream
 * (`serverKey`), and is refused when there is none.
 */
export function callerFor(
  identity: Identity,
  serverKey: string | undefined,
  provider?: string,
  /** The upstream takes no key (Ollama, a custom provider without one): none is sent. */
  keyless = false,
): Caller {
  serverKey = (provider && identity.key?.providerKeys[provider]) || serverKey;
  if (identity.clientKey) {
    return { squintKey: identity.squintKey, providerKey: identity.clientKey, own: true };
  }
  if (keyless && !serverKey) return { squintKey: identity.squintKey };
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

/** The host (and port) of a base URL; "" when it has none. */
const hostOf = (baseUrl: string | undefined) => (baseUrl && URL.parse(baseUrl)?.host) || "";

/**
 * The caller for an upstream at `baseUrl` when the client's request was meant for `home` (a base
 * URL too): a client's own key is sent only to the host it was given for (an OpenAI key never
 * reaches Anthropic, by a fallback or a key's budget fallback). Elsewhere the upstream is called
 * without it when it takes no key, and is otherwise skipped, as one squint holds no key for.
 * Hosts are compared only for a client's own key going to another base URL.
 */
export function callerOn(
  identity: Identity,
  serverKey: string | undefined,
  where: { provider: string; baseUrl?: string; home?: string; keyless: boolean },
): Caller {
  const host = !identity.clientKey || where.baseUrl === where.home
    ? undefined
    : hostOf(where.baseUrl);
  if (host === undefined || host === hostOf(where.home)) {
    return callerFor(identity, serverKey, where.provider, where.keyless);
  }
  if (where.keyless) return { squintKey: identity.squintKey };
  throw new GatewayError(
    401,
    `the client's own key is for ${hostOf(where.home)}: squint sends it nowhere else (${host})`,
    "authentication_error",
    "no_server_key",
  );
}

/** Authenticates a request for one upstream whose server-side key is `serverKey`. */
export async function authenticate(
  headers: Headers,
  config: Config,
  serverKey: string | undefined,
  keys?: KeyStore,
  provider?: string,
): Promise<{ identity: Identity; caller: Caller }> {
  const identity = await identify(headers, config, keys);
  return { identity, caller: callerFor(identity, serverKey, provider) };
}
