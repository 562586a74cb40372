/**
 * The Gemini Files API's resumable upload, as `@google/genai`'s `files.upload` drives it, for the
 * mock Gemini upstream: `POST /upload/{v1beta|v1alpha|v1}/files` with `X-Goog-Upload-Command: start`
 * answers an `x-goog-upload-url` (the same path with an `upload_id`); each `POST` to it with
 * `X-Goog-Upload-Command: upload` at `X-Goog-Upload-Offset` adds its bytes, and `…, finalize`
 * answers the `File` (`{file: {name, uri, mimeType, sizeBytes, state}}`).
 * `x-goog-upload-status` says `active` until then, `final` after.
 *
 * @module
 */

/** `/upload/v1beta/files`, and under `v1` and `v1alpha`. */
export const UPLOAD_PATH = /^\/upload\/(v1beta|v1alpha|v1)\/files$/;

/** A file the mock received whole. */
export interface UploadedFile {
  mimeType: string;
  bytes: Uint8Array;
}

interface Pending {
  mimeType: string;
  declared: number;
  chunks: Uint8Array[];
}

/** The uploads of one mock: started ones by id, finished ones by file name. */
export class Uploads {
  readonly files = new Map<string, UploadedFile>();
  #pending = new Map<string, Pending>();
  #next = 0;

  /** The answer to one request on an upload path (`bytes`: its body). */
  answer(request: Request, url: URL, bytes: Uint8Array): Response {
    const command = request.headers.get("x-goog-upload-command") ?? "";
    const json = (status: number, value: unknown, status_ = "final") =>
      new Response(JSON.stringify(value), {
        status,
        headers: { "content-type": "application/json", "x-goog-upload-status": status_ },
      });
    if (command === "start") {
      const id = `upload-${++this.#next}`;
      this.#pending.set(id, {
        mimeType: request.headers.get("x-goog-upload-header-content-type") ??
          "application/octet-stream",
        declared: Number(request.headers.get("x-goog-upload-header-content-length") ?? 0),
        chunks: [],
      });
      return new Response(null, {
        headers: {
          "x-goog-upload-url":
            `${url.origin}${url.pathname}?upload_id=${id}&upload_protocol=resumable`,
          "x-goog-upload-status": "active",
          "x-goog-upload-chunk-granularity": "8388608",
        },
      });
    }
    const id = url.searchParams.get("upload_id") ?? "";
    const pending = this.#pending.get(id);
    if (!pending || !command.startsWith("upload")) {
      return json(400, {
        error: { code: 400, message: "Bad upload.", status: "INVALID_ARGUMENT" },
      });
    }
    pending.chunks.push(bytes);
    if (!command.includes("finalize")) {
      return new Response(null, {
        headers: { "x-goog-upload-status": "active" },
      });
    }
    this.#pending.delete(id);
    const whole = new Uint8Array(pending.chunks.reduce((n, c) => n + c.length, 0));
    pending.chunks.reduce((at, c) => (whole.set(c, at), at + c.length), 0);
    if (whole.length !== pending.declared) {
      return json(400, {
        error: { code: 400, message: "Upload size mismatch.", status: "INVALID_ARGUMENT" },
      });
    }
    const name = `files/${id}`;
    this.files.set(name, { mimeType: pending.mimeType, bytes: whole });
    return json(200, {
      file: {
        name,
        mimeType: pending.mimeType,
        sizeBytes: String(whole.length),
        uri: `${url.origin}/v1beta/${name}`,
        state: "ACTIVE",
      },
    });
  }
}
