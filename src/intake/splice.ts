/**
 * Edits to a JSON text that leave every other byte as it was: squint changes an image's data
 * (and a field or two beside it) in a body it otherwise forwards untouched.
 */

/** Replace `raw[from, to)` by `text`. */
export interface Edit {
  from: number;
  to: number;
  text: string;
}

/** `raw` with `edits` applied, as parts (no copy of the unchanged runs); undefined on overlap. */
export function applyEdits(raw: string, edits: readonly Edit[]): string[] | undefined {
  const sorted = [...edits].sort((a, b) => a.from - b.from);
  const parts: string[] = [];
  let at = 0;
  for (const edit of sorted) {
    if (edit.from < at) return undefined;
    parts.push(raw.slice(at, edit.from), edit.text);
    at = edit.to;
  }
  parts.push(raw.slice(at));
  return parts;
}

/** Where the string value `value` is written in `raw`: its quotes' inside, or undefined. */
export function stringAt(raw: string, value: string): { from: number; to: number } | undefined {
  const at = raw.indexOf(value);
  if (at < 1 || raw[at - 1] !== '"' || raw[at + value.length] !== '"') return undefined;
  return { from: at, to: at + value.length };
}

/**
 * The value of `"key":"…"` in the flat object around `around` (an object with no braces inside
 * its strings, like an image source or part), as a range; undefined when absent.
 */
export function siblingString(
  raw: string,
  around: { from: number; to: number },
  key: string,
): { from: number; to: number; value: string } | undefined {
  const start = raw.lastIndexOf("{", around.from), end = raw.indexOf("}", around.to);
  const pattern = new RegExp(`"${key}"\\s*:\\s*"([^"]*)"`, "g");
  for (const [from, to] of [[start, around.from], [around.to, end]]) {
    pattern.lastIndex = 0;
    const match = pattern.exec(raw.slice(from, to));
    if (!match) continue;
    const valueAt = from + match.index + match[0].length - 1 - match[1].length;
    return { from: valueAt, to: valueAt + match[1].length, value: match[1] };
  }
  return undefined;
}
