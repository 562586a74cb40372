/**
 * Errors as values: a type, an HTTP status and, at the edge, the door's own error shape (OpenAI,
 * Anthropic, Google).
 * Imports nothing of squint, so every layer (planners, providers, workers) can throw them.
 */

/** OpenAI error `type` values squint uses. */
export type GatewayErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  | "api_error"
  | "overloaded_error"
  | "timeout_error";

/** An error squint itself answers with; rendered in the door's error shape. */
export class GatewayError extends Error {
  override name = "GatewayError";
  constructor(
    readonly status: number,
    message: string,
    readonly type: GatewayErrorType = statusType(status),
    readonly code: string | null = null,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function statusType(status: number): GatewayErrorType {
  return ({
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    503: "overloaded_error",
    504: "timeout_error",
  } as Record<number, GatewayErrorType>)[status] ??
    (status < 500 ? "invalid_request_error" : "api_error");
}

/** Maps any thrown value to a GatewayError; unexpected errors become a 500 with a plain message. */
export function asGatewayError(e: unknown): GatewayError {
  if (e instanceof GatewayError) return e;
  return new GatewayError(500, "internal error in squint: " + String((e as Error)?.message ?? e));
}

/** The error body shape of an API. */
export type ErrorShape = "openai" | "anthropic" | "google";

/** OpenAI's error body: `{"error":{"message","type","param","code"}}`. */
export function openAIErrorBody(e: GatewayError): string {
  return JSON.stringify({
    error: { message: e.message, type: e.type, param: e.param, code: e.code },
  });
}

/** The response for a GatewayError at an OpenAI-shaped door. */
export function openAIErrorResponse(e: GatewayError, requestId: string): Response {
  return new Response(openAIErrorBody(e), {
    status: e.status,
    headers: { "content-type": "application/json", "x-request-id": requestId, ...e.headers },
  });
}

/** Anthropic's error types, by squint's. */
const ANTHROPIC_TYPES: Partial<Record<GatewayErrorType, string>> = {
  timeout_error: "api_error",
};

/** The response for a GatewayError at an Anthropic-shaped door: `{"type":"error","error":{…}}`. */
export function anthropicErrorResponse(e: GatewayError, requestId: string): Response {
  const type = e.status === 413 ? "request_too_large" : ANTHROPIC_TYPES[e.type] ?? e.type;
  return new Response(JSON.stringify({ type: "error", error: { type, message: e.message } }), {
    status: e.status,
    headers: { "content-type": "application/json", "x-request-id": requestId, ...e.headers },
  });
}

/** Google's status names, by HTTP status (its error shape's `status`). */
const GOOGLE_STATUS: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  405: "INVALID_ARGUMENT",
  409: "ABORTED",
  413: "INVALID_ARGUMENT",
  415: "INVALID_ARGUMENT",
  429: "RESOURCE_EXHAUSTED",
  499: "CANCELLED",
  500: "INTERNAL",
  501: "UNIMPLEMENTED",
  502: "UNAVAILABLE",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

/** The response for a GatewayError at a Gemini-shaped door: `{"error":{"code","message","status"}}`. */
export function googleErrorResponse(e: GatewayError, requestId: string): Response {
  const status = GOOGLE_STATUS[e.status] ?? (e.status < 500 ? "FAILED_PRECONDITION" : "INTERNAL");
  return new Response(JSON.stringify({ error: { code: e.status, message: e.message, status } }), {
    status: e.status,
    headers: { "content-type": "application/json", "x-request-id": requestId, ...e.headers },
  });
}

/** The error response in `shape`. */
export const ERROR_RESPONSES: Record<
  ErrorShape,
  (e: GatewayError, requestId: string) => Response
> = {
  openai: openAIErrorResponse,
  anthropic: anthropicErrorResponse,
  google: googleErrorResponse,
};
