/**
 * Plain-text tables for the terminal: columns padded to their widest cell, text left-aligned and
 * figures right-aligned, two spaces apart.
 *
 * @module
 */

/** A column: its heading and which side its cells line up on. */
export interface Column {
  title: string;
  align?: "left" | "right";
}

/** The rows under their column headings, one line each, without trailing spaces. */
export function table(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((column, c) =>
    Math.max(column.title.length, ...rows.map((row) => (row[c] ?? "").length))
  );
  const line = (cells: readonly string[]) =>
    columns.map((column, c) => {
      const cell = cells[c] ?? "";
      return column.align === "right" ? cell.padStart(widths[c]) : cell.padEnd(widths[c]);
    }).join("  ").trimEnd();
  return [line(columns.map((c) => c.title)), ...rows.map(line)].join("\n");
}

/** A count with thousands separators (`466,706`). */
export function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** US dollars to the millionth (`$0.001023`), or `unknown` when the price is not known. */
export function usd(x: number | null): string {
  return x === null ? "unknown" : `$${x.toFixed(6)}`;
}

/** The share `part` is of `whole`, in whole percent (`11%`), or empty when `whole` is 0. */
export function percent(part: number, whole: number): string {
  return whole ? `${Math.round((part / whole) * 100)}%` : "";
}

/** `mm:ss` of a time in seconds. */
export function clock(t: number): string {
  const s = Math.round(t);
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}
