/**
 * Word boxes → plain text that keeps the page's layout, for an LLM to read.
 *
 * Words are grouped into rows by vertical position, and rows into horizontal segments at wide
 * gaps. A vertical gutter that splits most rows of a stretch of page, with prose (long
 * segments of several words) on both sides, makes that stretch a multi-column region, which is
 * emitted column by column, left column first: reading order is what an LLM needs, and two
 * columns side by side would interleave unrelated sentences line by line. Tables (≥3 rows whose
 * segments fall into ≥3 shared column intervals) are emitted as space-aligned columns, cells
 * padded to the widest cell: that keeps rows and columns visible, costs no markup tokens, stays
 * readable when a cell wraps onto a second line and is the convention of `pdftotext -layout`,
 * which the corpus truths use. Elsewhere a gap wider than two character widths keeps its width
 * (code alignment, label/value pairs), a line keeps its indentation in character widths from
 * the region's left edge (code, nested lists), and a vertical gap over 1.5 line pitches becomes
 * a blank line (paragraphs, sections).
 *
 * Everything here is a pure function of the boxes; units are pixels of any consistent scale.
 *
 * @module
 */

/** A recognised word and its box (pixels, `x1`/`y1` exclusive-ish right/bottom edges). */
export interface LayoutWord {
  text: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** What `analyzeLayout` found on a page, for tests and routing decisions. */
export interface LayoutStructure {
  /** Largest number of side-by-side text columns in any region (1 for a plain page). */
  columns: number;
  /** Tables found, top to bottom, with their size. */
  tables: { rows: number; columns: number }[];
  /** The layout text, as `layoutText` returns it. */
  text: string;
}

/** A gap wider than this many character widths splits a row into segments. */
const SEGMENT_GAP_CHARS = 2.5;
/** A gap wider than this many character widths is kept at its width when rendering. */
const KEEP_GAP_CHARS = 2;
/** A line pitch over this multiple of the median pitch is rendered as a paragraph break. */
const PARAGRAPH_PITCH = 1.5;
/** The quantile of a block's line pitches taken as its normal line pitch. */
const PITCH_QUANTILE = 0.3;
/** Shares of rows that must have text on each side of a gutter, and may cross it. */
const GUTTER_SIDE_SHARE = 0.3;
const GUTTER_CROSS_SHARE = 0.2;
/** The fewest rows a column region has. */
const MIN_REGION_ROWS = 4;
/** Prose on each side of a gutter: median segment length in characters and in words. */
const PROSE_MIN_CHARS = 12;
const PROSE_MIN_WORDS = 3;
/** Smallest table. */
const TABLE_MIN_ROWS = 3;
const TABLE_MIN_COLUMNS = 3;
/** A word of only bars this many median word heights tall is a table's vertical rule. */
const RULE_MIN_HEIGHT = 1.4;

interface Segment {
  words: LayoutWord[];
  x0: number;
  x1: number;
}

interface Row {
  words: LayoutWord[];
  y0: number;
  y1: number;
}

interface Metrics {
  /** Median character width. */
  charWidth: number;
  /** Median word height. */
  height: number;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))];
}

function metricsOf(words: LayoutWord[]): Metrics {
  const charWidth = median(words.map((w) => (w.x1 - w.x0) / Math.max(1, [...w.text].length)));
  const height = median(words.map((w) => w.y1 - w.y0));
  return { charWidth: Math.max(charWidth, 1e-6), height: Math.max(height, 1e-6) };
}

const centerY = (w: { y0: number; y1: number }) => (w.y0 + w.y1) / 2;

/**
 * Groups words into rows: a word joins the row (of those whose mean band overlaps at least half
 * of the shorter of the two bands) with the nearest centre; words are then sorted left to right.
 * Overlap rather than centres, so that x-height words ("can") and dashes stay in their row.
 */
export function groupRows(words: LayoutWord[]): Row[] {
  const rows: (Row & { sumY0: number; sumY1: number })[] = [];
  const sorted = [...words].sort((a, b) => centerY(a) - centerY(b) || a.x0 - b.x0);
  for (const word of sorted) {
    const c = centerY(word);
    let best: (typeof rows)[number] | undefined;
    let bestDistance = Infinity;
    // Only recent rows can still match, since words arrive in order of their centre.
    for (let i = rows.length - 1; i >= 0 && i >= rows.length - 8; i--) {
      const row = rows[i];
      const rc = centerY(row);
      const overlap = Math.min(row.y1, word.y1) - Math.max(row.y0, word.y0);
      if (overlap >= 0.5 * Math.min(row.y1 - row.y0, word.y1 - word.y0)) {
        const distance = Math.abs(rc - c);
        if (distance < bestDistance) [best, bestDistance] = [row, distance];
      }
    }
    if (best) {
      best.words.push(word);
      best.sumY0 += word.y0;
      best.sumY1 += word.y1;
      best.y0 = best.sumY0 / best.words.length;
      best.y1 = best.sumY1 / best.words.length;
    } else {
      rows.push({ words: [word], y0: word.y0, y1: word.y1, sumY0: word.y0, sumY1: word.y1 });
    }
  }
  return rows
    .map(({ words, y0, y1 }) => ({ words: words.sort((a, b) => a.x0 - b.x0), y0, y1 }))
    .sort((a, b) => centerY(a) - centerY(b));
}

function segmentsOf(words: LayoutWord[], charWidth: number): Segment[] {
  const segments: Segment[] = [];
  for (const word of words) {
    const last = segments.at(-1);
    if (last && word.x0 - last.x1 <= SEGMENT_GAP_CHARS * charWidth) {
      last.words.push(word);
      last.x1 = Math.max(last.x1, word.x1);
    } else {
      segments.push({ words: [word], x0: word.x0, x1: word.x1 });
    }
  }
  return segments;
}

const segmentText = (s: Segment) => s.words.map((w) => w.text).join(" ");

/**
 * Whether the segments on one side of a gutter read like running text. Segments without a
 * letter (page numbers of a table of contents, dot leaders) neither make nor break prose.
 */
function isProse(all: Segment[]): boolean {
  const segments = all.filter((s) => /\p{L}/u.test(segmentText(s)));
  if (segments.length === 0) return false;
  return median(segments.map((s) => segmentText(s).length)) >= PROSE_MIN_CHARS &&
    median(segments.map((s) => s.words.length)) >= PROSE_MIN_WORDS;
}

/** Candidate gutter x positions: the middles of the gaps between segments of rows. */
function gutterCandidates(rowSegments: Segment[][]): number[] {
  const xs: number[] = [];
  for (const segments of rowSegments) {
    for (let i = 1; i < segments.length; i++) xs.push((segments[i - 1].x1 + segments[i].x0) / 2);
  }
  return xs;
}

const crosses = (segments: Segment[], x: number) => segments.some((s) => s.x0 < x && s.x1 > x);

/**
 * Finds text-column gutters: x positions with text on both sides in at least a third of the
 * rows each, crossed by at most a fifth of them, and prose on both sides. Rows need not be split
 * by a gutter, since the baselines of two columns rarely line up.
 */
function findGutters(rowSegments: Segment[][]): number[] {
  const rows = rowSegments.filter((s) => s.length > 0);
  if (rows.length < MIN_REGION_ROWS) return [];
  const scored = gutterCandidates(rows).map((x) => {
    let crossing = 0, left = 0, right = 0;
    for (const segments of rows) {
      if (crosses(segments, x)) crossing++;
      else {
        if (segments[0].x0 < x) left++;
        if (segments.at(-1)!.x1 > x) right++;
      }
    }
    return { x, crossing, sides: Math.min(left, right) };
  }).filter((c) =>
    c.sides >= GUTTER_SIDE_SHARE * rows.length && c.crossing <= GUTTER_CROSS_SHARE * rows.length
  ).sort((a, b) => a.crossing - b.crossing || b.sides - a.sides);
  const chosen: number[] = [];
  for (const { x } of scored) {
    const sides = [...chosen, x].sort((a, b) => a - b);
    const i = sides.indexOf(x);
    const lo = sides[i - 1] ?? -Infinity, hi = sides[i + 1] ?? Infinity;
    const left = rows.flatMap((segments) => segments.filter((s) => s.x1 <= x && s.x0 >= lo));
    const right = rows.flatMap((segments) => segments.filter((s) => s.x0 >= x && s.x1 <= hi));
    if (isProse(left) && isProse(right)) chosen.push(x);
  }
  return chosen.sort((a, b) => a - b);
}

/** A stretch of rows: either full width, or split into columns at the gutters. */
interface Region {
  rows: Row[];
  gutters: number[];
}

/** Cuts the rows into regions: maximal runs of rows crossing no gutter become column regions. */
function regionsOf(rows: Row[], charWidth: number): Region[] {
  const rowSegments = rows.map((r) => segmentsOf(r.words, charWidth));
  const gutters = findGutters(rowSegments);
  if (gutters.length === 0) return [{ rows, gutters: [] }];
  const regions: Region[] = [];
  let run: Row[] = [];
  const flush = () => {
    if (run.length >= MIN_REGION_ROWS) regions.push({ rows: run, gutters });
    else if (run.length) pushFull(run);
    run = [];
  };
  const pushFull = (r: Row[]) => {
    const last = regions.at(-1);
    if (last && last.gutters.length === 0) last.rows.push(...r);
    else regions.push({ rows: [...r], gutters: [] });
  };
  rows.forEach((row, i) => {
    if (gutters.some((g) => crosses(rowSegments[i], g))) {
      flush();
      pushFull([row]);
    } else run.push(row);
  });
  flush();
  return regions;
}

/** The lines of one column: the parts of the region's rows between two x limits. */
function columnRows(rows: Row[], lo: number, hi: number): Row[] {
  return rows.flatMap((row) => {
    const words = row.words.filter((w) => (w.x0 + w.x1) / 2 >= lo && (w.x0 + w.x1) / 2 < hi);
    if (words.length === 0) return [];
    return [{
      words,
      y0: Math.min(...words.map((w) => w.y0)),
      y1: Math.max(...words.map((w) => w.y1)),
    }];
  });
}

/** A detected table: rows `start`..`end` (exclusive) of a block, and its column intervals. */
interface TableSpan {
  start: number;
  end: number;
  columns: [number, number][];
}

/** Merges x intervals that overlap into disjoint column intervals, left to right. */
function unionIntervals(intervals: [number, number][]): [number, number][] {
  const merged: [number, number][] = [];
  for (const [a, b] of [...intervals].sort((p, q) => p[0] - q[0])) {
    const last = merged.at(-1);
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return merged;
}

/** The column a segment overlaps most (a wrapped cell may stick out of its column a little). */
function columnIndex(columns: [number, number][], s: Segment): number {
  let best = 0, bestOverlap = -Infinity;
  columns.forEach(([a, b], i) => {
    const overlap = Math.min(b, s.x1) - Math.max(a, s.x0);
    if (overlap > bestOverlap) [best, bestOverlap] = [i, overlap];
  });
  return best;
}

/**
 * Finds tables among a block's rows: runs of rows with ≥2 segments (single-segment rows may sit
 * inside, as wrapped cells) whose segments share ≥3 column intervals on ≥3 rows.
 */
function findTables(rowSegments: Segment[][]): TableSpan[] {
  const tables: TableSpan[] = [];
  let i = 0;
  while (i < rowSegments.length) {
    if (rowSegments[i].length < 2) {
      i++;
      continue;
    }
    let end = i + 1;
    // Extend through multi-segment rows, and single-segment rows followed by one.
    while (end < rowSegments.length) {
      if (rowSegments[end].length >= 2) end++;
      else if (rowSegments[end + 1]?.length >= 2 && rowSegments[end].length === 1) end += 2;
      else break;
    }
    const span = shrinkToTable(rowSegments, i, end);
    if (span) {
      tables.push(span);
      i = span.end;
    } else i = end;
  }
  return tables;
}

/** The columns of rows `start`..`end`, or undefined when they do not make a table. */
function shrinkToTable(rowSegments: Segment[][], start: number, end: number) {
  const rows = rowSegments.slice(start, end);
  const columns = unionIntervals(
    rows.filter((s) => s.length >= 2).flat().map((s) => [s.x0, s.x1] as [number, number]),
  );
  if (columns.length < TABLE_MIN_COLUMNS) return undefined;
  const full = rows.filter((segments) =>
    new Set(segments.map((s) => columnIndex(columns, s))).size >= TABLE_MIN_COLUMNS
  );
  if (full.length < TABLE_MIN_ROWS) return undefined;
  // Trailing or leading single-segment rows are text around the table, not wrapped cells.
  while (start < end && rowSegments[start].length < 2) start++;
  while (end > start && rowSegments[end - 1].length < 2) end--;
  return { start, end, columns };
}

/** Renders table rows as space-aligned columns, each cell padded to its column's widest. */
function renderTable(rowSegments: Segment[][], table: TableSpan, indent: number): string[] {
  const cells = rowSegments.slice(table.start, table.end).map((segments) => {
    const row: string[] = table.columns.map(() => "");
    for (const s of segments) {
      const c = columnIndex(table.columns, s);
      row[c] = row[c] ? `${row[c]} ${segmentText(s)}` : segmentText(s);
    }
    return row;
  });
  const widths = table.columns.map((_, c) => Math.max(...cells.map((row) => row[c].length)));
  return cells.map((row) =>
    (" ".repeat(indent) + row.map((cell, c) => cell.padEnd(widths[c] + 2)).join("")).trimEnd()
  );
}

/** Renders one line: indentation from `left`, single spaces, wide gaps kept at their width. */
function renderLine(words: LayoutWord[], left: number, charWidth: number): string {
  let line = "";
  for (const word of words) {
    const column = Math.max(0, Math.round((word.x0 - left) / charWidth));
    if (line.length === 0) line = " ".repeat(column);
    else {
      const previous = line.length;
      const wide = word.x0 - (words[words.indexOf(word) - 1]?.x1 ?? word.x0) >
        KEEP_GAP_CHARS * charWidth;
      line += " ".repeat(wide ? Math.max(2, column - previous) : 1);
    }
    line += word.text;
  }
  return line;
}

/** Lines of one column of text, with paragraph breaks and tables; also reports the tables. */
function renderBlock(rows: Row[], metrics: Metrics, tables: LayoutStructure["tables"]): string[] {
  if (rows.length === 0) return [];
  const left = Math.min(...rows.map((r) => r.words[0].x0));
  const rowSegments = rows.map((r) => segmentsOf(r.words, metrics.charWidth));
  const spans = findTables(rowSegments);
  const pitches = rows.slice(1).map((r, i) => centerY(r) - centerY(rows[i]));
  // A low quantile, not the median: on short blocks, paragraph gaps would inflate the median.
  const pitch = quantile(pitches, PITCH_QUANTILE) || metrics.height * 1.2;
  const lines: string[] = [];
  let i = 0;
  while (i < rows.length) {
    if (i > 0 && centerY(rows[i]) - centerY(rows[i - 1]) > PARAGRAPH_PITCH * pitch) lines.push("");
    const span = spans.find((t) => t.start === i);
    if (span) {
      const indent = Math.max(0, Math.round((span.columns[0][0] - left) / metrics.charWidth));
      lines.push(...renderTable(rowSegments, span, indent));
      tables.push({ rows: span.end - span.start, columns: span.columns.length });
      i = span.end;
    } else {
      lines.push(renderLine(rows[i].words, left, metrics.charWidth));
      i++;
    }
  }
  return lines;
}

/**
 * Lays out a page's words as text and reports the structure found: column regions emitted
 * column by column, tables as space-aligned columns, indentation and paragraph breaks kept.
 */
export function analyzeLayout(words: LayoutWord[]): LayoutStructure {
  const kept = words.filter((w) => w.text.trim().length > 0 && w.x1 > w.x0 && w.y1 > w.y0)
    .map((w) => ({ ...w, text: w.text.trim() }));
  if (kept.length === 0) return { columns: 0, tables: [], text: "" };
  const metrics = metricsOf(kept);
  // Vertical table rules read as "|" or "||": taller than text, unlike a `||` operator in code.
  const text = kept.filter((w) =>
    !(/^[|¦]+$/.test(w.text) && w.y1 - w.y0 >= RULE_MIN_HEIGHT * metrics.height)
  );
  if (text.length === 0) return { columns: 0, tables: [], text: "" };
  const rows = groupRows(text);
  const tables: LayoutStructure["tables"] = [];
  const parts: string[] = [];
  let columns = 1;
  for (const region of regionsOf(rows, metrics.charWidth)) {
    const limits = [-Infinity, ...region.gutters, Infinity];
    columns = Math.max(columns, limits.length - 1);
    for (let c = 0; c + 1 < limits.length; c++) {
      const lines = renderBlock(columnRows(region.rows, limits[c], limits[c + 1]), metrics, tables);
      if (lines.length) parts.push(lines.join("\n"));
    }
  }
  return { columns, tables, text: parts.join("\n\n").replace(/\n{3,}/g, "\n\n") };
}

/** The layout text of a page's words (see the module comment for the rules). */
export function layoutText(words: LayoutWord[]): string {
  return analyzeLayout(words).text;
}
