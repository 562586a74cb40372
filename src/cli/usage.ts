/**
 * `squint usage [--since DATE|7d|24h] [--group-by model|optimization|channel|key] [--json]`:
 * totals and savings from the request log of the configured store (`SQUINT_STORAGE`,
 * `SQUINT_DATA_DIR`, `SQUINT_DATABASE_URL`), what `GET /v1/usage` answers, as a table or as that
 * answer's JSON.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { Config } from "../config.ts";
import { openStorage } from "../storage/open.ts";
import type { UsageFigures, UsageQuery, UsageReport } from "../storage/types.ts";
import { argumentsError, CliError, EXIT, type ExitCode, usageError } from "./cli_error.ts";
import { cliConfig } from "./cli_config.ts";
import { count, percent, table, usd } from "./table.ts";

/** How the verb is called. */
export const USAGE_HELP =
  `usage: squint usage [--since DATE|Nd|Nh] [--group-by model|optimization|channel|key] [--json]`;

const GROUPS = ["model", "optimization", "channel", "key"] as const;

/** Milliseconds of the units `--since` counts back in. */
const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000 };

/** The start `--since` names: an ISO 8601 date or time, or a span back from `now` (`7d`). */
export function sinceDate(text: string, now = new Date()): Date {
  const span = /^(\d+)([dh])$/.exec(text);
  if (span) return new Date(now.getTime() - Number(span[1]) * UNIT_MS[span[2]]);
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) {
    throw usageError(`--since: expected an ISO 8601 date (2026-12-01), or 7d or 24h; got ${text}`);
  }
  return date;
}

function parse(args: string[]): { query: UsageQuery; json: boolean } | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        since: { type: "string" },
        "group-by": { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    throw argumentsError(e, USAGE_HELP);
  }
  const { values } = parsed;
  if (values.help) return "help";
  const groupBy = values["group-by"] as UsageQuery["groupBy"];
  if (groupBy !== undefined && !GROUPS.includes(groupBy)) {
    throw usageError(`--group-by: expected ${GROUPS.join(", ")}; got ${groupBy}`);
  }
  return {
    query: { from: values.since === undefined ? undefined : sinceDate(values.since), groupBy },
    json: values.json,
  };
}

/** Where the log is read from, in words. */
function logPlace(config: Config): string {
  if (config.storage === "production") return "PostgreSQL (SQUINT_DATABASE_URL)";
  return config.data_dir === ":memory:" ? "memory (SQUINT_DATA_DIR=:memory:)" : config.data_dir;
}

/** An embedded log that is not there is a wrong folder, not an empty log. */
async function checkLogFolder(config: Config): Promise<void> {
  if (config.storage !== "embedded" || config.data_dir === ":memory:") return;
  const folder = await Deno.stat(config.data_dir).catch(() => undefined);
  if (!folder?.isDirectory) {
    throw new CliError(
      `no request log in ${config.data_dir}: squint has not served there; point SQUINT_DATA_DIR ` +
        "at the folder squint serve keeps its log in",
    );
  }
}

const FIGURE_COLUMNS = [
  { title: "" },
  { title: "requests", align: "right" },
  { title: "errors", align: "right" },
  { title: "tokens before", align: "right" },
  { title: "tokens after", align: "right" },
  { title: "tokens saved", align: "right" },
  { title: "spent", align: "right" },
  { title: "cost before", align: "right" },
  { title: "cost after", align: "right" },
  { title: "saved", align: "right" },
  { title: "", align: "right" },
] as const;

function figureRow(label: string, f: UsageFigures): string[] {
  return [
    label,
    count(f.requests),
    count(f.errors),
    count(f.tokens_before),
    count(f.tokens_after),
    count(f.tokens_saved),
    usd(f.spent_usd),
    usd(f.cost_before_usd),
    usd(f.cost_after_usd),
    usd(f.cost_saved_usd),
    percent(f.cost_saved_usd, f.cost_before_usd),
  ];
}

/** The report as a table: a row per group (when grouped), then the totals. */
export function usageTable(report: UsageReport, place: string): string {
  const groups = (report.groups ?? []).map((g) => figureRow(g.key ?? "(none)", g));
  return [
    `usage from ${report.from ?? "the start of the log"} to ${report.to ?? "now"} (${place})`,
    "",
    table(FIGURE_COLUMNS, [...groups, figureRow("total", report.totals)]),
  ].join("\n");
}

/** Runs `squint usage` with its arguments; resolves to the exit code. */
export async function usageCommand(args: string[]): Promise<ExitCode> {
  const asked = parse(args);
  if (asked === "help") {
    console.log(USAGE_HELP);
    return EXIT.done;
  }
  const config = cliConfig();
  await checkLogFolder(config);
  const storage = await openStorage(config).catch((e) => {
    throw new CliError(`storage (SQUINT_STORAGE=${config.storage}): ${(e as Error).message}`);
  });
  try {
    const report = await storage.usage(asked.query);
    console.log(
      asked.json ? JSON.stringify(report, null, 2) : usageTable(report, logPlace(config)),
    );
  } finally {
    await storage.close();
  }
  return EXIT.done;
}
