/**
 * An error squint answered in-process: the status, code and message the server would have
 * answered with.
 *
 * @module
 */

/** squint refused or failed a library call. */
export class SquintError extends Error {
  override name = "SquintError";

  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
    readonly type: string | null = null,
  ) {
    super(message);
  }

  /** From an error answer of squint's own endpoints (OpenAI's error shape). */
  static from(status: number, body: unknown): SquintError {
    const error = (body as { error?: Record<string, unknown> } | undefined)?.error;
    const text = (v: unknown) => typeof v === "string" ? v : null;
    return new SquintError(
      status,
      text(error?.message) ?? `squint answered ${status}`,
      text(error?.code),
      text(error?.type),
    );
  }
}
