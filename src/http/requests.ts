/**
 * `GET /v1/requests/{id}`: one request as squint logged it and, when `SQUINT_MEDIA_STORE=on`,
 * what it sent: the record naming the client's body and the body sent upstream, each readable at
 * `/v1/requests/{id}/original` and `/v1/requests/{id}/sent` (for replay). The admin token reads
 * any request; a client reads the requests made with its own key. Another's request is 404, as
 * if it did not exist.
 */
import type { SentRecord } from "../accounting/sent_record.ts";
import { identify, isAdmin, tenantOf } from "../keys/identity.ts";
import type { Handler, RequestContext } from "../lifecycle/context.ts";
import { GatewayError } from "../errors.ts";
import { pathSegment } from "../path_segment.ts";

const PREFIX = "/v1/requests/";

/** The request id and what is asked of it (`""`, `original`, `sent`). */
function target(path: string): { id: string; part: "" | "original" | "sent" } {
  const [id, part = "", ...rest] = path.slice(PREFIX.length).split("/");
  if (!id || rest.length || !["", "original", "sent"].includes(part)) {
    throw new GatewayError(404, `no such door: GET ${path}`, "not_found_error", "unknown_url");
  }
  return { id: pathSegment(id, "the request id"), part: part as "" | "original" | "sent" };
}

async function visible(request: Request, ctx: RequestContext, keyId: string | null) {
  const { config, storage } = ctx.app;
  if (isAdmin(request.headers, config)) return true;
  return (await tenantOf(await identify(request.headers, config, storage.keys))) === keyId;
}

/** The request door. */
export const requestRecord: Handler = async (request, ctx) => {
  const { storage } = ctx.app;
  const { id, part } = target(new URL(request.url).pathname);
  const row = await storage.request(id);
  if (!row || !(await visible(request, ctx, row.keyId))) {
    throw new GatewayError(404, `no request ${JSON.stringify(id)}`, "not_found_error");
  }
  const record = (await storage.media?.getRecord(id)) as SentRecord | undefined;
  const headers = { "x-request-id": ctx.id };
  if (part === "") {
    const { content: _content, ...logged } = row;
    return Response.json({ request: logged, sent: record ?? null }, { headers });
  }
  const media = record && await storage.media!.getMedia(record[part]);
  if (!media) {
    throw new GatewayError(
      404,
      `request ${id} has no stored ${part} body (SQUINT_MEDIA_STORE is off, or it expired)`,
      "not_found_error",
    );
  }
  return new Response(media.bytes as BodyInit, {
    headers: { ...headers, "content-type": media.contentType },
  });
};
