/** Plain-text tables and target lines for the bench's output. */

/** A table cell: text is left-aligned, numbers right-aligned. */
export type Cell = string | number;

/** Formats `x` with `digits` decimals; "-" for missing values. */
export function fixed(x: number | undefined, digits = 1): string {
  return x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(digits);
}

/** A share (0..1) as a percentage. */
export function percent(x: number | undefined, digits = 1): string {
  return x === undefined || !Number.isFinite(x) ? "-" : `${(100 * x).toFixed(digits)}%`;
}

/** Bytes in KB (1000) or MB, short. */
export function bytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return "-";
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} MB` : `${(n / 1e3).toFixed(0)} KB`;
}

/** Renders rows under a header with aligned columns and a rule below the header. */
export function table(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((row) => row.map((c) => (typeof c === "number" ? String(c) : c)));
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? "").length)));
  const numeric = header.map((_, i) =>
    rows.length > 0 &&
    rows.every((r) => typeof r[i] === "number" || /^[-+]?[\d.,]/.test(r[i] as string))
  );
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...text.map(line)].join("\n");
}

/** How a measured ratio is read against its target. */
export interface Target {
  /** `max`: the ratio should be at most `value`; `min`: at least. */
  kind: "max" | "min";
  value: number;
}

/** `ratio 1.07 (target ≤1.2)`, neutral wording: the reader compares. */
export function ratioLine(ratio: number, target: Target): string {
  const sign = target.kind === "max" ? "≤" : "≥";
  return `ratio ${fixed(ratio, 2)} (target ${sign}${target.value})`;
}
