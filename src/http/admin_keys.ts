/**
 * The admin API for squint keys, in both storage modes: `POST /admin/keys` (the secret is in this
 * answer only), `GET /admin/keys`, `PATCH /admin/keys/{id}` (its limits), `DELETE
 * /admin/keys/{id}`, each with `Authorization: Bearer $SQUINT_ADMIN_TOKEN`. Without an admin
 * token configured the API is off (404), not open; a store that keeps no keys answers 501.
 */
import type { z } from "zod";
import { keyPatch, keySpec } from "../keys/key_store.ts";
import type { KeyStore } from "../keys/key_store.ts";
import { readBody } from "../intake/body.ts";
import { isAdmin } from "../keys/identity.ts";
import { requireJson } from "./content_type.ts";
import type { Handler, RequestContext } from "../lifecycle/context.ts";
import { GatewayError } from "../errors.ts";
import { pathSegment } from "../path_segment.ts";

/** The key store, once the caller is known to be the admin. */
function adminKeys(request: Request, ctx: RequestContext): KeyStore {
  const { config, storage } = ctx.app;
  if (config.admin_token === undefined) {
    throw new GatewayError(404, "the admin API is off: set SQUINT_ADMIN_TOKEN to turn it on");
  }
  if (!isAdmin(request.headers, config)) {
    throw new GatewayError(
      401,
      "the admin API needs Authorization: Bearer <SQUINT_ADMIN_TOKEN>",
      "authentication_error",
      "invalid_admin_token",
    );
  }
  if (!storage.keys) {
    throw new GatewayError(
      501,
      "this storage keeps no squint keys; SQUINT_API_KEYS names the keys squint accepts",
      "invalid_request_error",
      "keys_unavailable",
    );
  }
  return storage.keys;
}

const json = (body: unknown, ctx: RequestContext, status = 200) =>
  Response.json(body, { status, headers: { "x-request-id": ctx.id } });

/** The JSON body as `schema` reads it; 400 naming the field otherwise. */
async function bodyOf<T extends z.ZodType>(request: Request, schema: T): Promise<z.infer<T>> {
  requireJson(request);
  const bytes = await readBody(request, 2 ** 20);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new GatewayError(400, `request body is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue.path.join(".") || null;
    throw new GatewayError(
      400,
      `${param ?? "body"}: ${issue.message}`,
      "invalid_request_error",
      null,
      param,
    );
  }
  return parsed.data;
}

/** The key id in `/admin/keys/{id}`. */
function keyIdOf(request: Request): string {
  const id = pathSegment(new URL(request.url).pathname.slice("/admin/keys/".length), "the key id");
  if (id.includes("/")) {
    throw new GatewayError(404, `no such door: ${request.method} /admin/keys/${id}`);
  }
  return id;
}

const noLiveKey = (id: string) =>
  new GatewayError(404, `no live squint key ${JSON.stringify(id)}`, "not_found_error");

/** `POST /admin/keys`. */
export const createKey: Handler = async (request, ctx) => {
  const keys = adminKeys(request, ctx);
  const { key, secret } = await keys.create(await bodyOf(request, keySpec));
  return json({ ...key, key: secret }, ctx, 201);
};

/** `GET /admin/keys`. */
export const listKeys: Handler = async (request, ctx) => {
  const keys = adminKeys(request, ctx);
  return json({ object: "list", data: await keys.list() }, ctx);
};

/** `PATCH /admin/keys/{id}`: changes the fields given; `null` clears an optional one. */
export const updateKey: Handler = async (request, ctx) => {
  const keys = adminKeys(request, ctx);
  const id = keyIdOf(request);
  const key = await keys.update(id, await bodyOf(request, keyPatch));
  if (!key) throw noLiveKey(id);
  return json(key, ctx);
};

/** `DELETE /admin/keys/{id}`. */
export const revokeKey: Handler = async (request, ctx) => {
  const keys = adminKeys(request, ctx);
  const id = keyIdOf(request);
  if (!(await keys.revoke(id))) throw noLiveKey(id);
  return json({ id, revoked: true }, ctx);
};
