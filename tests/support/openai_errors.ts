/**
 * OpenAI's error responses: `{"error": {"message", "type", "param", "code"}}`, worded as the real
 * API words them (messages, types and codes from recorded responses).
 *
 * @module
 */

/** The body of every OpenAI error response. */
export interface WireError {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** Builds an OpenAI error body. */
export function errorBody(
  message: string,
  type: string,
  param: string | null = null,
  code: string | null = null,
): WireError {
  return { error: { message, type, param, code } };
}

/** `404` for a path the API does not have. */
export function invalidUrl(method: string, pathname: string): WireError {
  return errorBody(`Invalid URL (${method} ${pathname})`, "invalid_request_error");
}

/** `400` for a body that is not a JSON object. */
export function invalidJson(): WireError {
  return errorBody(
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't " +
      "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was " +
      "sent was not valid JSON. If you have trouble figuring out how to fix this, please visit " +
      "https://help.openai.com/.)",
    "invalid_request_error",
  );
}

/** `400` for a request without `model`. */
export function missingModel(): WireError {
  return errorBody("you must provide a model parameter", "invalid_request_error");
}

/** `400` for a request without a required parameter. */
export function missingParameter(name: string): WireError {
  return errorBody(
    `Missing required parameter: '${name}'.`,
    "invalid_request_error",
    name,
    "missing_required_parameter",
  );
}

/** `404` of `GET /v1/models/{id}` for a model it does not know. */
export function modelNotFound(id: string): WireError {
  return errorBody(
    `The model '${id}' does not exist`,
    "invalid_request_error",
    "model",
    "model_not_found",
  );
}

/** A failure the real API is known to answer with. */
interface KnownError {
  type: string;
  param: string | null;
  code: string | null;
  message: (model: string) => string;
  headers?: Record<string, string>;
}

/** Real OpenAI error bodies by status (messages and codes as the API words them). */
const ERRORS_BY_STATUS: Record<number, KnownError> = {
  400: {
    type: "invalid_request_error",
    param: "messages",
    code: "context_length_exceeded",
    message: () =>
      "This model's maximum context length is 128000 tokens. However, your messages resulted " +
      "in 130000 tokens. Please reduce the length of the messages.",
  },
  401: {
    type: "invalid_request_error",
    param: null,
    code: "invalid_api_key",
    message: () =>
      "Incorrect API key provided: sk-mock. You can find your API key at " +
      "https://platform.openai.com/account/api-keys.",
  },
  404: {
    type: "invalid_request_error",
    param: null,
    code: "model_not_found",
    message: (model) => `The model \`${model}\` does not exist or you do not have access to it.`,
  },
  429: {
    type: "requests",
    param: null,
    code: "rate_limit_exceeded",
    message: (model) =>
      `Rate limit reached for ${model} in organization org-mock on requests per min (RPM): ` +
      "Limit 3, Used 3, Requested 1. Please try again in 1s. " +
      "Visit https://platform.openai.com/account/rate-limits to learn more.",
    headers: {
      "retry-after": "1",
      "x-ratelimit-limit-requests": "3",
      "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-reset-requests": "1s",
    },
  },
  500: {
    type: "server_error",
    param: null,
    code: null,
    message: () => "The server had an error while processing your request. Sorry about that!",
  },
  503: {
    type: "server_error",
    param: null,
    code: null,
    message: () => "The engine is currently overloaded, please try again later.",
  },
};

/** The body and extra headers of an error by status (a generic one for statuses not in the table). */
export function errorForStatus(
  status: number,
  model: string,
): { body: WireError; headers: Record<string, string> } {
  const known = ERRORS_BY_STATUS[status];
  if (!known) {
    const type = status < 500 ? "invalid_request_error" : "server_error";
    return { body: errorBody(`Mock error ${status}.`, type), headers: {} };
  }
  return {
    body: errorBody(known.message(model), known.type, known.param, known.code),
    headers: known.headers ?? {},
  };
}
