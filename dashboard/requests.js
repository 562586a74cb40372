// Requests: the log, newest first, a page at a time, filtered; each row opens its request.
import { api, query } from "./api.js";
import { append, h, notice, num, panel, table } from "./dom.js";
import { count, duration, localInput, time, usd } from "./format.js";

const PAGE = 50;
/** The filters, as the API names them. */
const FILTERS = ["from", "to", "door", "model", "key", "status", "cache"];
const STATUSES = ["", "2xx", "4xx", "5xx"];
const CACHE = ["", "hit", "miss", "bypass", "dedup"];

function select(name, label, options, value) {
  return h(
    "label",
    {},
    `${label} `,
    h(
      "select",
      { name },
      options.map((o) => h("option", { value: o, selected: o === value }, o || "any")),
    ),
  );
}

function filterForm(params, go) {
  const text = (name, label, placeholder) =>
    h("label", {}, `${label} `, h("input", { name, value: params.get(name) ?? "", placeholder }));
  const when = (name, label) =>
    h(
      "label",
      {},
      `${label} `,
      h("input", {
        type: "datetime-local",
        name,
        value: params.get(name) ? localInput(params.get(name)) : "",
      }),
    );
  return h(
    "form",
    {
      class: "filters",
      id: "filters",
      onsubmit: (event) => {
        event.preventDefault();
        const form = new FormData(event.target);
        const next = {};
        for (const name of FILTERS) {
          const value = String(form.get(name) ?? "").trim();
          if (!value) continue;
          next[name] = name === "from" || name === "to" ? new Date(value).toISOString() : value;
        }
        go(next);
      },
    },
    when("from", "From"),
    when("to", "To"),
    text("door", "Door", "chat_completions"),
    text("model", "Model", "gpt-4o"),
    text("key", "Key", "key id"),
    select("status", "Status", STATUSES, params.get("status") ?? ""),
    select("cache", "Cache", CACHE, params.get("cache") ?? ""),
    h("button", { type: "submit" }, "Apply"),
  );
}

function statusClass(status) {
  return status >= 500 ? "bad" : status >= 400 ? "warn" : "good";
}

function row(r) {
  const open = `#/request/${encodeURIComponent(r.id)}`;
  const model = r.modelCalled && r.modelCalled !== r.modelRequested
    ? `${r.modelRequested ?? "—"} → ${r.modelCalled}`
    : r.modelRequested ?? r.modelCalled ?? "—";
  return h(
    "tr",
    { dataset: { id: r.id } },
    h("td", { class: "nowrap" }, h("a", { href: open }, time(r.ts))),
    h("td", {}, r.door),
    h("td", { class: "mono" }, model),
    h("td", { class: "mono muted" }, r.keyId ?? "—"),
    h("td", {}, h("span", { class: `badge ${statusClass(r.status)}` }, r.status)),
    h("td", {}, r.cache),
    h("td", { class: "num" }, `${count(r.tokensBefore)} → ${count(r.tokensAfter)}`),
    h("td", { class: "num good" }, usd(r.costSavedUsd)),
    h("td", { class: "num" }, duration(r.latencyMs)),
    h("td", { class: "num" }, r.images?.length ?? 0),
  );
}

/** Renders the view into `main`. */
export async function render({ main, params, go }) {
  const filters = Object.fromEntries(FILTERS.map((name) => [name, params.get(name)]));
  const cursor = params.get("cursor");
  const page = await api(`/dashboard/api/requests${query({ ...filters, cursor, limit: PAGE })}`);
  // The cursors of the pages before this one, so "Newer" can go back.
  const trail = (params.get("trail") ?? "").split(",").filter(Boolean);
  const keep = (extra) => go({ ...filters, ...extra });
  const pager = h(
    "div",
    { class: "pager" },
    h("button", {
      type: "button",
      id: "newer",
      disabled: !cursor,
      onclick: () =>
        keep({
          cursor: trail.at(-1) === "-" ? undefined : trail.at(-1),
          trail: trail.slice(0, -1).join(","),
        }),
    }, "← Newer"),
    h("button", {
      type: "button",
      id: "older",
      disabled: !page.next,
      onclick: () => keep({ cursor: page.next, trail: [...trail, cursor ?? "-"].join(",") }),
    }, "Older →"),
  );
  const csv = `/dashboard/api/requests.csv${query(filters)}`;
  append(
    main,
    h(
      "div",
      { class: "view-head" },
      h("h1", {}, "Requests"),
      h("a", { class: "button", id: "export-csv", href: csv, download: "" }, "Export CSV"),
    ),
    filterForm(params, go),
    panel(
      null,
      page.rows.length
        ? table(
          [
            "Time",
            "Door",
            "Model",
            "Key",
            "Status",
            "Cache",
            num("Tokens"),
            num("Saved"),
            num("Latency"),
            num("Images"),
          ],
          page.rows.map(row),
          { id: "requests" },
        )
        : notice("No request matches."),
      pager,
    ),
  );
}
