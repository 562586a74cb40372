/**
 * `squint optimize`'s report as the terminal shows it: a headline with the action, a table of
 * before/after/saved (picture, bytes, tokens, cost), squint's reasons, and what goes out.
 * Warnings go to stderr, not here.
 *
 * @module
 */
import type { PictureFigures } from "../library/plan.ts";
import type { OptimizeReport, VideoDecision } from "./optimize_report.ts";
import { clock, count, percent, table, usd } from "./table.ts";

const FIGURE_COLUMNS = [
  { title: "" },
  { title: "before", align: "right" },
  { title: "after", align: "right" },
  { title: "saved", align: "right" },
  { title: "", align: "right" },
] as const;

/** A row of whole figures: before, after, what was saved and its share. */
function figureRow(label: string, before: number, after: number): string[] {
  return [
    label,
    count(before),
    count(after),
    count(before - after),
    percent(before - after, before),
  ];
}

function costRow(cost: OptimizeReport["cost"]): string[] {
  const { before_usd, after_usd, saved_usd } = cost;
  return [
    "cost",
    usd(before_usd),
    usd(after_usd),
    usd(saved_usd),
    saved_usd === null || before_usd === null ? "" : percent(saved_usd, before_usd),
  ];
}

/** `600×400 png`, or `text` for an image that goes as its text. */
function picture(figures: PictureFigures): string {
  return figures.width > 0
    ? `${figures.width}×${figures.height} ${figures.format}`
    : figures.format;
}

function imageLines(report: OptimizeReport): string[] {
  const image = report.image!;
  const labels = [
    image.intent && `intent ${image.intent.label} ${image.intent.confidence.toFixed(2)}`,
    image.content && `content ${image.content.label} ${image.content.confidence.toFixed(2)}`,
  ].filter(Boolean);
  const others = image.optimizations.filter((o) => o !== image.action);
  const done = others.length ? ` (${image.optimizations.join(", ")})` : "";
  const sent = report.sent!;
  const goes = {
    picture: `${sent.media_type} picture, ${count(sent.bytes ?? 0)} bytes` +
      (sent.detail ? `, detail ${sent.detail}` : ""),
    text: `its text, ${count(image.after.bytes)} bytes, instead of the pixels`,
    "text+picture": `its text, ${count(image.after.bytes)} bytes, with a ${sent.media_type} ` +
      `thumbnail of ${count(sent.bytes ?? 0)} bytes`,
    nothing: "nothing",
  }[sent.as];
  return [
    `${report.input} for ${report.model}: ${image.action}${done}`,
    ...(labels.length ? [labels.join(", ")] : []),
    "",
    table(FIGURE_COLUMNS, [
      ["picture", picture(image.before), picture(image.after), "", ""],
      figureRow("bytes", image.before.bytes, image.after.bytes),
      figureRow("image tokens", image.before.tokens, image.after.tokens),
      figureRow("request tokens", report.tokens.before, report.tokens.after),
      costRow(report.cost),
    ]),
    "",
    "why:",
    ...image.reasons.map((r) => `  - ${r}`),
    `sent: ${goes}`,
    ...onceRead(report),
  ];
}

/** What the next request with these bytes gets, when this one went before its text was read. */
function onceRead(report: OptimizeReport): string[] {
  const known = report.reading?.sent === "text_not_known" ? report.reading.text_known : undefined;
  const image = known?.images[0];
  if (!known || !image) return [];
  return [
    `once its text is read (the next request with these bytes): ${image.action}, ` +
    `${count(known.tokens.after)} request tokens`,
  ];
}

/** Dropped frames counted by reason, the frame they repeat left out. */
function droppedSummary(video: VideoDecision): string {
  const byReason = new Map<string, number>();
  for (const { reason } of video.dropped) {
    const kind = reason.replace(/ \(\d\d:\d\d\)$/, "");
    byReason.set(kind, (byReason.get(kind) ?? 0) + 1);
  }
  return [...byReason].map(([reason, n]) => `${n} ${reason}`).join("; ");
}

function videoLines(report: OptimizeReport): string[] {
  const video = report.video!;
  const length = video.duration_s === undefined ? "" : `${video.duration_s} s, `;
  const headline = video.native
    ? `the video itself goes to ${report.model}`
    : `${video.frames_kept} of ${video.frames_sampled} sampled frames kept`;
  const frames = video.frames.map((f) => [
    clock(f.t),
    f.action,
    f.kept_because,
    picture(f.after),
    count(f.after.tokens),
  ]);
  return [
    `${report.input} for ${report.model}: ${headline} (${length}${video.fps} fps)`,
    "",
    table(FIGURE_COLUMNS, [
      ...(video.native ? [] : [figureRow("frames", video.frames_sampled, video.frames_kept)]),
      figureRow("video tokens", video.tokens.before, video.tokens.after),
      figureRow("request tokens", report.tokens.before, report.tokens.after),
      costRow(report.cost),
    ]),
    "",
    ...(frames.length
      ? [
        "kept frames:",
        table([
          { title: "  t" },
          { title: "action" },
          { title: "kept because" },
          { title: "sent as", align: "right" },
          { title: "tokens", align: "right" },
        ], frames.map(([t, ...rest]) => [`  ${t}`, ...rest])),
      ]
      : []),
    ...(video.dropped.length ? [`dropped: ${droppedSummary(video)}`] : []),
    `before: ${video.baseline}`,
  ];
}

/** The report as text for the terminal. */
export function optimizeTable(report: OptimizeReport): string {
  const body = report.image
    ? imageLines(report)
    : report.video
    ? videoLines(report)
    : [`${report.input} for ${report.model}: nothing to optimize`];
  return [
    ...body,
    ...(report.question !== null ? [`question: ${JSON.stringify(report.question)}`] : []),
    ...(report.estimated
      ? ["estimated: some token count is an estimate, not the provider's exact rule"]
      : []),
    ...(report.model_known ? [] : [`${report.model} is not a model squint knows: no prices`]),
    ...(report.out ? [`written: ${report.out}`] : []),
  ].join("\n");
}
