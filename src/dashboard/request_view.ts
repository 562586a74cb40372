/** A request-log row as the dashboard shows it: no message content, its images parsed. */
import type { LoggedImage, RequestLogRow } from "../storage/types.ts";

/** A row without `content`, with `images` as a list (null when the log kept none). */
export type RequestView = Omit<RequestLogRow, "content" | "images"> & {
  images: LoggedImage[] | null;
};

/** The images a row logged; a row whose JSON does not read shows none rather than failing. */
export function loggedImages(row: RequestLogRow): LoggedImage[] | null {
  if (!row.images) return null;
  try {
    const images = JSON.parse(row.images);
    return Array.isArray(images) ? images : null;
  } catch {
    return null;
  }
}

/** The dashboard's view of a row. */
export function requestView(row: RequestLogRow): RequestView {
  const { content: _content, images: _images, ...rest } = row;
  return { ...rest, images: loggedImages(row) };
}
