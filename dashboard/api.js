// The dashboard's calls to squint: its own API and the admin API, with the session cookie and the
// dashboard's header (which a page on another site cannot send).

/** An answer squint refused, with its message. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Calls `path`; resolves to the JSON answer; throws ApiError with squint's message otherwise. */
export async function api(path, { method = "GET", body } = {}) {
  const headers = { "x-squint-dashboard": "1" };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const isJson = (response.headers.get("content-type") ?? "").includes("application/json");
  const data = isJson ? await response.json() : null;
  if (response.status === 401 && path.startsWith("/dashboard/")) {
    location.assign("/dashboard/login");
  }
  if (!response.ok) {
    throw new ApiError(
      response.status,
      data?.error?.message ?? `${response.status} ${response.statusText}`,
    );
  }
  return data;
}

/** A query string from the set values of `params`. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
