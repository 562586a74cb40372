// Overview: what squint handled and saved over a time range, from the hourly aggregate.
import { api, query } from "./api.js";
import { COLOURS, moneyChart } from "./chart.js";
import { append, h, notice, num, panel, table } from "./dom.js";
import { count, counted, localInput, percent, usd } from "./format.js";

const HOUR = 3_600_000;
/** The range picker's presets. */
const RANGES = { "24h": 24 * HOUR, "7d": 7 * 24 * HOUR, "30d": 30 * 24 * HOUR };

/** The range the view's parameters name: a preset (default 24h) or custom from/to. */
function rangeOf(params) {
  const preset = params.get("range") ?? "24h";
  if (preset === "custom" && params.get("from") && params.get("to")) {
    return { preset, from: new Date(params.get("from")), to: new Date(params.get("to")) };
  }
  const span = RANGES[preset] ?? RANGES["24h"];
  const to = new Date();
  return { preset: RANGES[preset] ? preset : "24h", from: new Date(to.getTime() - span), to };
}

function picker(range, go) {
  const from = h("input", { type: "datetime-local", name: "from", value: localInput(range.from) });
  const to = h("input", { type: "datetime-local", name: "to", value: localInput(range.to) });
  const custom = h(
    "form",
    {
      class: "custom-range",
      hidden: range.preset !== "custom",
      onsubmit: (event) => {
        event.preventDefault();
        if (!from.value || !to.value) return;
        go({
          range: "custom",
          from: new Date(from.value).toISOString(),
          to: new Date(to.value).toISOString(),
        });
      },
    },
    h("label", {}, "From ", from),
    h("label", {}, "To ", to),
    h("button", { type: "submit" }, "Apply"),
  );
  const buttons = [...Object.keys(RANGES), "custom"].map((name) =>
    h("button", {
      type: "button",
      class: name === range.preset ? "chip active" : "chip",
      "aria-pressed": name === range.preset ? "true" : "false",
      dataset: { range: name },
      onclick: () => name === "custom" ? (custom.hidden = false) : go({ range: name }),
    }, name === "custom" ? "Custom" : name)
  );
  return h(
    "div",
    { class: "range-picker", role: "group", "aria-label": "Time range" },
    buttons,
    custom,
  );
}

/** A figure card; `value` is kept raw in data-value, shown formatted. */
function stat(name, label, value, shown, detail) {
  return h(
    "div",
    { class: "stat", dataset: { stat: name, value: String(value) } },
    h("div", { class: "stat-label" }, label),
    h("div", { class: "stat-value" }, shown),
    detail && h("div", { class: "stat-detail" }, detail),
  );
}

/** Every bucket start from `from` to `to`, merged with the report's own (missing ones are zero). */
function timeline(report) {
  const step = report.bucket === "day" ? 24 * HOUR : HOUR;
  const starts = new Set(report.series.map((p) => Date.parse(p.t)));
  const first = Math.floor(Date.parse(report.from) / step) * step;
  for (let t = first; t <= Date.parse(report.to); t += step) starts.add(t);
  const byTime = new Map(report.series.map((p) => [Date.parse(p.t), p]));
  return [...starts].sort((a, b) => a - b).map((t) => ({ t, point: byTime.get(t) }));
}

function charts(report, onLeave) {
  const points = timeline(report);
  const times = points.map((p) => p.t);
  const channels = new Map();
  for (const { point } of points) {
    for (const [channel, value] of Object.entries(point?.saved_by_channel ?? {})) {
      channels.set(channel, (channels.get(channel) ?? 0) + value);
    }
  }
  const byChannel = [...channels.entries()].sort((a, b) => b[1] - a[1]).map(([channel], i) => ({
    label: channel,
    colour: COLOURS[i % COLOURS.length],
    values: points.map(({ point }) => point?.saved_by_channel?.[channel] ?? 0),
  }));
  const savedBox = h("div", { class: "chart", id: "chart-saved" });
  const spendBox = h("div", { class: "chart", id: "chart-spend" });
  const savedPanel = panel(
    "Saved by channel",
    byChannel.length ? savedBox : notice("Nothing saved in this range yet."),
  );
  const spendPanel = panel("Input cost against the unoptimized baseline", spendBox);
  // Drawn once in the page, when their containers have a width.
  requestAnimationFrame(() => {
    const drawn = [];
    if (byChannel.length) drawn.push(moneyChart(savedBox, times, byChannel));
    drawn.push(moneyChart(spendBox, times, [
      {
        label: "Without squint",
        colour: "#9aa4b2",
        values: points.map(({ point }) => point?.cost_before_usd ?? 0),
      },
      {
        label: "With squint",
        colour: "#5eb1ff",
        fill: true,
        values: points.map(({ point }) => point?.cost_after_usd ?? 0),
      },
    ]));
    onLeave(() => drawn.forEach((chart) => chart.destroy()));
  });
  return h("div", { class: "grid two" }, savedPanel, spendPanel);
}

function topModels(report) {
  if (!report.top_models.length) return panel("Top models", notice("No requests in this range."));
  return panel(
    "Top models",
    table(
      ["Model", num("Requests"), num("Input cost"), num("Saved")],
      report.top_models.map((m) =>
        h(
          "tr",
          {},
          h("td", { class: "mono" }, m.model),
          h("td", { class: "num" }, count(m.requests)),
          h("td", { class: "num" }, usd(m.cost_after_usd)),
          h("td", { class: "num good" }, usd(m.cost_saved_usd)),
        )
      ),
      { id: "top-models" },
    ),
  );
}

/** Renders the view into `main`. */
export async function render({ main, params, go, onLeave }) {
  const range = rangeOf(params);
  const report = await api(
    `/dashboard/api/overview${
      query({ from: range.from.toISOString(), to: range.to.toISOString() })
    }`,
  );
  const t = report.totals;
  append(
    main,
    h("div", { class: "view-head" }, h("h1", {}, "Overview"), picker(range, go)),
    h(
      "div",
      { class: "stats three", id: "totals" },
      stat("requests", "Requests", t.requests, count(t.requests), counted(t.errors, "error")),
      stat(
        "spent_usd",
        "Spent",
        t.spent_usd,
        usd(t.spent_usd),
        "input and output, on the models called",
      ),
      stat(
        "cost_after_usd",
        "Input cost",
        t.cost_after_usd,
        usd(t.cost_after_usd),
        "of what squint sent, as billed",
      ),
      stat(
        "cost_before_usd",
        "Without squint",
        t.cost_before_usd,
        usd(t.cost_before_usd),
        "the unoptimized baseline",
      ),
      stat(
        "cost_saved_usd",
        "Saved",
        t.cost_saved_usd,
        usd(t.cost_saved_usd),
        `${counted(t.tokens_saved, "token")} fewer`,
      ),
      stat("saved_pct", "Saved %", t.saved_pct, percent(t.saved_pct), "of the baseline"),
    ),
    charts(report, onLeave),
    topModels(report),
  );
}
