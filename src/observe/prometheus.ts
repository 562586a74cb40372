/**
 * A small Prometheus registry and its text exposition format (version 0.0.4): counters, gauges
 * and histograms with labels. Written here rather than taken from `prom-client`, which is built
 * on Node's process model and a global registry: squint needs one registry per instance, three
 * metric kinds and the text format, about a hundred lines.
 *
 * @module
 */

/** Label values in the order of the metric's label names. */
export type LabelValues = readonly string[];

interface Series<T> {
  labels: LabelValues;
  value: T;
}

/** One metric family. */
interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge" | "histogram";
  /** The family's lines in the text format, `# HELP` and `# TYPE` included. */
  expose(): string[];
}

/** `{a="x",b="y"}` (values escaped), or "" without labels. */
function labelText(names: readonly string[], values: LabelValues, extra = ""): string {
  const pairs = names.map((name, i) => `${name}="${escapeLabel(values[i] ?? "")}"`);
  if (extra) pairs.push(extra);
  return pairs.length ? `{${pairs.join(",")}}` : "";
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

/** A number as the format writes it. */
function number(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  return String(x);
}

function header(family: Family): string[] {
  return [
    `# HELP ${family.name} ${family.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`,
    `# TYPE ${family.name} ${family.type}`,
  ];
}

/** A level of `SeriesMap`'s tree: the next label's values, and the series its path ends in. */
interface SeriesNode<T> {
  next: Map<string, SeriesNode<T>>;
  series?: Series<T>;
}

/**
 * Series by their label values, found by one map lookup per label: no key is built per
 * observation (joining the values cost a new string, and its hash, ten times a request).
 */
class SeriesMap<T> {
  #root: SeriesNode<T> = { next: new Map() };
  #series: Series<T>[] = [];
  constructor(readonly make: () => T) {}

  get(labels: LabelValues): T {
    let node = this.#root;
    for (const value of labels) {
      let next = node.next.get(value);
      if (!next) node.next.set(value, next = { next: new Map() });
      node = next;
    }
    if (!node.series) {
      node.series = { labels: [...labels], value: this.make() };
      this.#series.push(node.series);
    }
    return node.series.value;
  }

  *[Symbol.iterator](): IterableIterator<Series<T>> {
    yield* this.#series;
  }
}

/** A counter: only goes up. */
export class Counter implements Family {
  readonly type = "counter";
  #series: SeriesMap<{ n: number }>;
  constructor(readonly name: string, readonly help: string, readonly labelNames: string[] = []) {
    this.#series = new SeriesMap(() => ({ n: 0 }));
  }
  inc(labels: LabelValues = [], by = 1): void {
    if (by > 0) this.#series.get(labels).n += by;
  }
  expose(): string[] {
    const lines = header(this);
    for (const { labels, value } of this.#series) {
      lines.push(`${this.name}${labelText(this.labelNames, labels)} ${number(value.n)}`);
    }
    return lines;
  }
}

/** A gauge read when scraped. */
export class Gauge implements Family {
  readonly type = "gauge";
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: string[],
    readonly read: () => Iterable<[LabelValues, number]>,
  ) {}
  expose(): string[] {
    const lines = header(this);
    for (const [labels, value] of this.read()) {
      lines.push(`${this.name}${labelText(this.labelNames, labels)} ${number(value)}`);
    }
    return lines;
  }
}

/** A histogram with fixed upper bounds (seconds, tokens…), cumulative when exposed. */
export class Histogram implements Family {
  readonly type = "histogram";
  #series: SeriesMap<{ counts: number[]; sum: number; count: number }>;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: string[],
    readonly buckets: readonly number[],
  ) {
    this.#series = new SeriesMap(() => ({
      counts: new Array(buckets.length).fill(0),
      sum: 0,
      count: 0,
    }));
  }
  observe(labels: LabelValues, value: number): void {
    if (!Number.isFinite(value)) return;
    const series = this.#series.get(labels);
    series.sum += value;
    series.count++;
    // The first bucket it fits; cumulated when exposed, so an observation costs one step.
    const at = this.buckets.findIndex((bound) => value <= bound);
    if (at >= 0) series.counts[at]++;
  }
  expose(): string[] {
    const lines = header(this);
    for (const { labels, value } of this.#series) {
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += value.counts[i];
        lines.push(
          `${this.name}_bucket${
            labelText(this.labelNames, labels, `le="${number(bound)}"`)
          } ${cumulative}`,
        );
      });
      const all = labelText(this.labelNames, labels, 'le="+Inf"');
      lines.push(`${this.name}_bucket${all} ${value.count}`);
      lines.push(`${this.name}_sum${labelText(this.labelNames, labels)} ${number(value.sum)}`);
      lines.push(`${this.name}_count${labelText(this.labelNames, labels)} ${value.count}`);
    }
    return lines;
  }
}

/** The metrics of one instance, exposed in registration order. */
export class Registry {
  #families: Family[] = [];
  add<F extends Family>(family: F): F {
    this.#families.push(family);
    return family;
  }
  /** The text exposition format. */
  expose(): string {
    return this.#families.flatMap((f) => f.expose()).join("\n") + "\n";
  }
}

/** The content type of the text format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
