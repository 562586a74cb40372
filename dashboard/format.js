// How numbers, money and times read on the page.

const integer = new Intl.NumberFormat("en-US");

/** A count: 12,345. */
export function count(n) {
  return n === null || n === undefined ? "—" : integer.format(n);
}

/** US dollars: $1,234.56, $0.0123, $0.000425 (three significant digits under a cent). */
export function usd(x) {
  if (x === null || x === undefined) return "—";
  if (x === 0) return "$0";
  const abs = Math.abs(x);
  const digits = abs >= 1 ? 2 : abs >= 0.01 ? 4 : undefined;
  const text = digits === undefined ? abs.toPrecision(3) : abs.toFixed(digits);
  const [whole, fraction] = text.split(".");
  const grouped = integer.format(Number(whole)) + (fraction ? `.${fraction}` : "");
  return `${x < 0 ? "−" : ""}$${grouped}`;
}

/** `n` and the noun, plural unless one: "1 error", "3 errors". */
export function counted(n, noun) {
  return `${count(n)} ${n === 1 ? noun : `${noun}s`}`;
}

/** A percentage with one decimal: 42.5%. */
export function percent(x) {
  return x === null || x === undefined ? "—" : `${x.toFixed(1)}%`;
}

/** Bytes: 1.2 MB, 340 KB, 512 B. */
export function bytes(n) {
  if (n === null || n === undefined) return "—";
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} KB`;
  return `${n} B`;
}

/** Milliseconds: 12 ms, 1.4 s. */
export function duration(ms) {
  if (ms === null || ms === undefined) return "—";
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** A time in the viewer's zone: 2026-12-05 14:03:07. */
export function time(value) {
  const d = new Date(value);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A picture's size: 1920×1080. */
export function size(w, h) {
  return w && h ? `${w}×${h}` : "—";
}

/** A `<input type=datetime-local>` value for a time, in the viewer's zone. */
export function localInput(value) {
  return time(value).replace(" ", "T").slice(0, 16);
}
