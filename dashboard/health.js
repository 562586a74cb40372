// Health: the store, the media store, the image worker pool, upstream circuits, recent errors.
import { api } from "./api.js";
import { append, h, notice, num, panel, table } from "./dom.js";
import { count, time } from "./format.js";

function state(ok) {
  return h("span", { class: `badge ${ok ? "good" : "bad"}` }, ok ? "ok" : "failing");
}

function pool(p) {
  const cells = [
    ["Workers", p.size],
    ["Busy", p.busy],
    ["Queued", p.queued],
    ["Completed", p.completed],
    ["Failed", p.failed],
    ["Replaced", p.replaced],
  ];
  return h(
    "div",
    { class: "stats compact", id: "pool" },
    cells.map(([label, value]) =>
      h(
        "div",
        { class: "stat", dataset: { stat: label.toLowerCase() } },
        h("div", { class: "stat-label" }, label),
        h("div", { class: "stat-value" }, count(value)),
      )
    ),
  );
}

function circuits(list) {
  if (!list.length) return notice("Every upstream is answering: no circuit has failures.");
  return table(
    ["Upstream", "State", num("Failures in a row")],
    list.map((c) =>
      h(
        "tr",
        {},
        h("td", { class: "mono" }, c.upstream),
        h(
          "td",
          {},
          h(
            "span",
            { class: `badge ${c.state === "closed" ? "warn" : "bad"}` },
            c.state.replace("_", "-"),
          ),
        ),
        h("td", { class: "num" }, count(c.failures)),
      )
    ),
    { id: "circuits" },
  );
}

function errors(rows) {
  if (!rows.length) return notice("No errors in the log.");
  return table(
    ["Time", "Door", "Model", "Status", "Error"],
    rows.map((r) =>
      h(
        "tr",
        {},
        h(
          "td",
          { class: "nowrap" },
          h("a", { href: `#/request/${encodeURIComponent(r.id)}` }, time(r.ts)),
        ),
        h("td", {}, r.door),
        h("td", { class: "mono" }, r.modelRequested ?? "—"),
        h("td", {}, h("span", { class: `badge ${r.status >= 500 ? "bad" : "warn"}` }, r.status)),
        h("td", { class: "wrap" }, r.error ?? r.outcome),
      )
    ),
    { id: "recent-errors" },
  );
}

/** Renders the view into `main`. */
export async function render({ main }) {
  const report = await api("/dashboard/api/health");
  append(
    main,
    h(
      "div",
      { class: "view-head" },
      h("h1", {}, "Health"),
      h(
        "span",
        { class: `badge big ${report.status === "ok" ? "good" : "bad"}`, id: "status" },
        report.status,
      ),
    ),
    h(
      "div",
      { class: "grid two" },
      panel(
        "Storage",
        h("dl", { class: "facts" }, [
          h("dt", {}, "Mode"),
          h("dd", {}, report.storage.mode),
          h("dt", {}, "State"),
          h("dd", {}, state(report.storage.ok)),
          h("dt", {}, "Detail"),
          h("dd", {}, report.storage.detail),
        ]),
      ),
      panel(
        "Media store",
        report.media
          ? h("dl", { class: "facts" }, [
            h("dt", {}, "State"),
            h("dd", {}, state(report.media.ok)),
            h("dt", {}, "Detail"),
            h("dd", {}, report.media.detail),
          ])
          : notice("Off: SQUINT_MEDIA_STORE=on keeps what each request sent."),
      ),
    ),
    panel("Image worker pool", pool(report.pool)),
    panel("Upstream circuits", circuits(report.circuits)),
    panel("Recent errors", errors(report.recent_errors)),
  );
}
