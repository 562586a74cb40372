/**
 * A strict reader of the Prometheus text exposition format (0.0.4), for tests: it throws on
 * anything a Prometheus server would refuse or misread — a sample before its family's `# TYPE`,
 * a bad metric or label name, a bad escape, a duplicate series, a histogram whose buckets are not
 * ascending and cumulative, lack `+Inf`, or whose `+Inf` differs from `_count`. (The npm parsers
 * tried, `parse-prometheus-text-format` and `prom2json-se`, merge histogram series that differ in
 * their labels, so they cannot check squint's labelled histograms.)
 *
 * @module
 */

/** One sample: its name as written (with `_bucket`/`_sum`/`_count`), labels and value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A metric family. */
export interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram" | "summary" | "untyped";
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function value(text: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  const n = Number(text);
  if (text === "" || Number.isNaN(n)) throw new Error(`not a number: ${text}`);
  return n;
}

/** Reads `{a="x",b="y"}` from `line` at `at`; returns the labels and the position after `}`. */
function labels(line: string, at: number): [Record<string, string>, number] {
  const out: Record<string, string> = {};
  at++; // {
  while (line[at] !== "}") {
    const eq = line.indexOf("=", at);
    const name = line.slice(at, eq);
    if (!LABEL.test(name)) throw new Error(`bad label name "${name}" in: ${line}`);
    if (line[eq + 1] !== '"') throw new Error(`label value not quoted in: ${line}`);
    let text = "";
    let i = eq + 2;
    for (; line[i] !== '"'; i++) {
      if (i >= line.length) throw new Error(`unterminated label value in: ${line}`);
      if (line[i] === "\\") {
        const next = line[++i];
        if (next === "n") text += "\n";
        else if (next === "\\" || next === '"') text += next;
        else throw new Error(`bad escape \\${next} in: ${line}`);
      } else text += line[i];
    }
    if (name in out) throw new Error(`label ${name} twice in: ${line}`);
    out[name] = text;
    at = i + 1;
    if (line[at] === ",") at++;
    else if (line[at] !== "}") throw new Error(`expected , or } in: ${line}`);
  }
  return [out, at + 1];
}

function sample(line: string): Sample {
  const brace = line.indexOf("{");
  const space = line.indexOf(" ");
  const nameEnd = brace >= 0 && brace < space ? brace : space;
  const name = line.slice(0, nameEnd);
  if (!NAME.test(name)) throw new Error(`bad metric name "${name}"`);
  let at = nameEnd;
  let found: Record<string, string> = {};
  if (line[at] === "{") [found, at] = labels(line, at);
  const rest = line.slice(at).trim().split(/\s+/);
  if (rest.length < 1 || rest.length > 2) throw new Error(`bad sample line: ${line}`);
  return { name, labels: found, value: value(rest[0]) };
}

/** The families of `text`, checked; throws with the reason on the first fault. */
export function parsePrometheusText(text: string): Family[] {
  if (!text.endsWith("\n")) throw new Error("the exposition must end with a newline");
  const families: Family[] = [];
  const byName = new Map<string, Family>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const meta = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
    if (meta) {
      const [, kind, name, rest = ""] = meta;
      if (!NAME.test(name)) throw new Error(`bad metric name "${name}"`);
      let family = byName.get(name);
      if (!family) {
        family = { name, help: "", type: "untyped", samples: [] };
        families.push(family);
        byName.set(name, family);
      }
      if (kind === "HELP") family.help = rest;
      else {
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(rest)) {
          throw new Error(`bad type ${rest}`);
        }
        if (family.samples.length) throw new Error(`# TYPE ${name} after its samples`);
        family.type = rest as Family["type"];
      }
      continue;
    }
    if (line.startsWith("#")) continue;
    const s = sample(line);
    const family = families.at(-1);
    const base = s.name.replace(/_(bucket|sum|count)$/, "");
    const owner = family && (family.name === s.name || family.name === base) ? family : undefined;
    if (!owner) throw new Error(`sample ${s.name} outside its family (# TYPE first)`);
    owner.samples.push(s);
  }
  for (const family of families) check(family);
  return families;
}

const seriesKey = (labels: Record<string, string>, without?: string) =>
  JSON.stringify(Object.entries(labels).filter(([k]) => k !== without).sort());

function check(family: Family): void {
  const seen = new Set<string>();
  for (const s of family.samples) {
    const key = `${s.name}${seriesKey(s.labels)}`;
    if (seen.has(key)) throw new Error(`duplicate series ${key}`);
    seen.add(key);
    if (family.type === "counter" && !(s.value >= 0)) throw new Error(`negative counter ${key}`);
  }
  if (family.type !== "histogram") return;
  for (const series of histogramSeries(family)) {
    const les = series.buckets.map((b) => b.le);
    if (les.at(-1) !== Infinity) throw new Error(`${family.name}: no +Inf bucket`);
    for (let i = 1; i < les.length; i++) {
      if (!(les[i] > les[i - 1])) throw new Error(`${family.name}: buckets not ascending`);
      if (series.buckets[i].count < series.buckets[i - 1].count) {
        throw new Error(`${family.name}: buckets not cumulative`);
      }
    }
    if (series.count === undefined || series.sum === undefined) {
      throw new Error(`${family.name}: a series without _count or _sum`);
    }
    if (series.buckets.at(-1)!.count !== series.count) {
      throw new Error(`${family.name}: +Inf bucket differs from _count`);
    }
  }
}

/** One histogram series: its labels, buckets (upper bound, cumulative count), sum and count. */
export interface HistogramSeries {
  labels: Record<string, string>;
  buckets: { le: number; count: number }[];
  sum?: number;
  count?: number;
}

/** The series of a histogram family, by their labels (`le` aside). */
export function histogramSeries(family: Family): HistogramSeries[] {
  const series = new Map<string, HistogramSeries>();
  for (const s of family.samples) {
    const key = seriesKey(s.labels, "le");
    let entry = series.get(key);
    if (!entry) {
      const { le: _, ...rest } = s.labels;
      series.set(key, entry = { labels: rest, buckets: [] });
    }
    if (s.name.endsWith("_bucket")) entry.buckets.push({ le: value(s.labels.le), count: s.value });
    else if (s.name.endsWith("_sum")) entry.sum = s.value;
    else if (s.name.endsWith("_count")) entry.count = s.value;
  }
  return [...series.values()];
}

/** The sum of a family's samples whose labels include `where` (counters, gauges). */
export function total(
  families: Family[],
  name: string,
  where: Record<string, string> = {},
): number {
  const family = families.find((f) => f.name === name);
  if (!family) throw new Error(`no family ${name}`);
  return family.samples
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}
