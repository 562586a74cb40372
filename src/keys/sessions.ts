/**
 * Signing in to the dashboard: the admin token (or, when none is configured, a one-time code
 * squint made at start) is exchanged for a random session id held in an HttpOnly, SameSite=Strict
 * cookie. The id is looked up in a map on the server, so the cookie never carries the token and a
 * session ends on expiry, on sign-out, or when squint restarts.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Config } from "../config.ts";

/** The cookie holding the session id. */
export const SESSION_COOKIE = "squint_dashboard";
/** The header the dashboard's own fetches send: a cross-site form or image cannot set it. */
export const DASHBOARD_HEADER = "x-squint-dashboard";
/** How long a session lasts from sign-in. */
export const SESSION_MS = 7 * 86_400_000;
/** Sessions kept at most; past it the oldest ends. */
const MAX_SESSIONS = 1000;

/** A random 256-bit value, URL-safe. */
function randomSecret(): string {
  return crypto.getRandomValues(new Uint8Array(32)).toBase64({
    alphabet: "base64url",
    omitPadding: true,
  });
}

/** Equality of secrets in a time that tells nothing (digests first: equal lengths). */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** The value of cookie `name` in a `Cookie` header. */
export function cookieValue(headers: Headers, name: string): string | undefined {
  for (const pair of (headers.get("cookie") ?? "").split(";")) {
    const at = pair.indexOf("=");
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}

/** One squint's dashboard sessions. */
export class DashboardAuth {
  /** Session id → when it ends (ms since the epoch). */
  #sessions = new Map<string, number>();
  /** The one-time code while it is unspent (only when no admin token is configured). */
  #code: string | undefined;

  constructor(
    /** The configured admin token; undefined: sign-in is by the one-time code only. */
    readonly token: string | undefined,
    readonly now: () => number = Date.now,
  ) {
    if (token === undefined) this.#code = randomSecret();
  }

  /** The one-time code, while unspent; never one when an admin token is configured. */
  get oneTimeCode(): string | undefined {
    return this.#code;
  }

  /** A new session for the admin token, or for the unspent one-time code (which it spends). */
  signIn(secret: string): string | undefined {
    if (this.token !== undefined) return sameSecret(secret, this.token) ? this.#start() : undefined;
    return this.redeem(secret);
  }

  /** A new session for the one-time code, which works once. */
  redeem(code: string): string | undefined {
    if (this.#code === undefined || !sameSecret(code, this.#code)) return undefined;
    this.#code = undefined;
    return this.#start();
  }

  /** Whether `id` is a live session. */
  valid(id: string | undefined): boolean {
    if (id === undefined) return false;
    const ends = this.#sessions.get(id);
    if (ends === undefined) return false;
    if (ends > this.now()) return true;
    this.#sessions.delete(id);
    return false;
  }

  /** Whether the request's cookie names a live session. */
  signedIn(headers: Headers): boolean {
    return this.valid(cookieValue(headers, SESSION_COOKIE));
  }

  /** Ends the session the request's cookie names. */
  signOut(headers: Headers): void {
    const id = cookieValue(headers, SESSION_COOKIE);
    if (id !== undefined) this.#sessions.delete(id);
  }

  #start(): string {
    const id = randomSecret();
    if (this.#sessions.size >= MAX_SESSIONS) {
      // Maps keep insertion order: the first entry is the oldest session.
      this.#sessions.delete(this.#sessions.keys().next().value!);
    }
    this.#sessions.set(id, this.now() + SESSION_MS);
    return id;
  }
}

/** Each running squint's sessions, by its configuration (one object per app). */
const AUTHS = new WeakMap<Config, DashboardAuth>();

/** The sessions of the squint whose configuration is `config`. */
export function authOf(config: Config): DashboardAuth {
  let auth = AUTHS.get(config);
  if (!auth) AUTHS.set(config, auth = new DashboardAuth(config.admin_token));
  return auth;
}

/**
 * Whether a request comes from a signed-in dashboard page: its session cookie and the dashboard's
 * own header, which the page's fetch sets and a cross-site form cannot (CSRF defence in depth
 * beside SameSite=Strict).
 */
export function isDashboardAdmin(headers: Headers, config: Config): boolean {
  return headers.get(DASHBOARD_HEADER) === "1" && authOf(config).signedIn(headers);
}

/** The `Set-Cookie` value starting session `id` (Secure when served over https). */
export function sessionCookie(id: string, secure: boolean): string {
  const attributes = [`Max-Age=${SESSION_MS / 1000}`, "Path=/", "HttpOnly", "SameSite=Strict"];
  return [`${SESSION_COOKIE}=${id}`, ...attributes, ...(secure ? ["Secure"] : [])].join("; ");
}

/** The `Set-Cookie` value ending the session. */
export function clearedCookie(): string {
  return `${SESSION_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict`;
}
