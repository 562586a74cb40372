// One request: its log row, each image's decision and, when the media store kept them, the
// picture the client sent beside the picture squint sent.
import { api } from "./api.js";
import { append, h, notice, num, panel, table } from "./dom.js";
import { bytes, count, duration, size, time, usd } from "./format.js";

function facts(r) {
  const rows = [
    ["Request id", r.id],
    ["Time", time(r.ts)],
    ["Door", r.door],
    ["Key", r.keyId ?? "—"],
    ["Model asked", r.modelRequested ?? "—"],
    ["Model called", r.modelCalled ?? "—"],
    ["Provider", r.provider],
    ["Status", `${r.status} (${r.outcome})`],
    ["Cache", r.cache],
    ["Optimizations", r.optimizations.join(", ") || "none"],
    [
      "Tokens",
      `${count(r.tokensBefore)} → ${count(r.tokensAfter)}${r.estimated ? " (estimated)" : ""}`,
    ],
    ["Upstream tokens", `${count(r.upstreamInputTokens)} in, ${count(r.upstreamOutputTokens)} out`],
    ["Cost", `${usd(r.costBeforeUsd)} → ${usd(r.costAfterUsd)}, saved ${usd(r.costSavedUsd)}`],
    // What budgets count; a row logged before squint kept it has its input's cost to go on.
    ["Spent", `${usd(r.spentUsd ?? r.costAfterUsd)} (input and output)`],
    ["Latency", `${duration(r.latencyMs)} (upstream ${duration(r.upstreamMs)})`],
  ];
  if (r.passthroughReason) rows.push(["Sent unoptimized", r.passthroughReason]);
  if (r.error) rows.push(["Error", r.error]);
  return h("dl", { class: "facts wide" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

function labelled(value) {
  return value ? `${value.label} (${Math.round(value.confidence * 100)}%)` : "—";
}

function figure(id, n, side, picture, caption) {
  if (!picture) {
    return h(
      "figure",
      { class: "picture missing" },
      h("div", { class: "no-picture" }, caption.none),
      h("figcaption", {}, caption.title),
    );
  }
  const src = `/dashboard/api/requests/${encodeURIComponent(id)}/images/${n}/${side}`;
  return h(
    "figure",
    { class: "picture" },
    h(
      "a",
      { href: src, target: "_blank", rel: "noopener" },
      h("img", { src, alt: `${caption.title} picture of image ${n + 1}`, dataset: { side } }),
    ),
    h("figcaption", {}, `${caption.title} · ${picture.type} · ${bytes(picture.bytes)}`),
  );
}

function image(id, media, item, n) {
  const decisions = table(
    ["", num("Size"), "Format", num("Bytes"), num("Tokens")],
    ["before", "after"].map((when) => {
      const s = item[when];
      return h(
        "tr",
        {},
        h("th", { scope: "row" }, when === "before" ? "Before" : "After"),
        h("td", { class: "num" }, size(s.width, s.height)),
        h("td", {}, s.format),
        h("td", { class: "num" }, bytes(s.bytes)),
        h("td", { class: "num" }, count(s.tokens)),
      );
    }),
  );
  const none = media === "off"
    ? "Not kept: the media store is off (SQUINT_MEDIA_STORE=on keeps pictures)."
    : media === "missing"
    ? "Not kept (expired, or written before the media store was on)."
    : "No picture";
  const pictures = h(
    "div",
    { class: "side-by-side" },
    figure(id, n, "original", item.original, { title: "Original", none }),
    figure(id, n, "sent", item.sent, {
      title: "Sent",
      none: media === "kept" ? `No picture sent (${item.action}).` : none,
    }),
  );
  return h(
    "section",
    { class: "panel image", dataset: { image: String(n) } },
    h("h2", {}, `Image ${n + 1} · `, h("span", { class: "badge action" }, item.action)),
    h(
      "div",
      { class: "grid two" },
      h(
        "div",
        {},
        h("dl", { class: "facts" }, [
          h("dt", {}, "Intent"),
          h("dd", {}, labelled(item.intent)),
          h("dt", {}, "Content"),
          h("dd", {}, labelled(item.content)),
          h("dt", {}, "Where"),
          h("dd", { class: "mono" }, item.path ?? "—"),
        ]),
        decisions,
        h("h3", {}, "Reasons"),
        item.reasons.length
          ? h("ul", { class: "reasons" }, item.reasons.map((r) => h("li", {}, r)))
          : notice("None given."),
      ),
      pictures,
    ),
  );
}

/** Renders the view into `main`. */
export async function render({ main, id }) {
  const detail = await api(`/dashboard/api/requests/${encodeURIComponent(id)}`);
  const r = detail.request;
  append(
    main,
    h(
      "div",
      { class: "view-head" },
      h("h1", {}, "Request"),
      h("a", { href: "#/requests", class: "button quiet" }, "← All requests"),
    ),
    panel(null, facts(r)),
    detail.images.length
      ? detail.images.map((item, n) => image(r.id, detail.media, item, n))
      : panel("Images", notice("This request carried no image.")),
  );
}
