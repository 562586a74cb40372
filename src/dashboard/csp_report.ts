/**
 * `POST /dashboard/api/csp-report`: where browsers report what the dashboard's
 * Content-Security-Policy blocked. A blocked inline script on the operators' page is worth
 * knowing about (it is what an injection looks like), so it is said on stderr, at most once a
 * minute; browsers send reports without credentials, so this path takes none.
 */
import { readBody } from "../intake/body.ts";
import type { Handler } from "../lifecycle/context.ts";
import { guarded } from "./answer.ts";

const SAY_EVERY_MS = 60_000;
const MAX_REPORT_BYTES = 16_384;
let lastSaid = -Infinity;

/** The blocked directive and source of a report (`report-uri` format), for one line. */
function summary(text: string): string {
  try {
    const report = JSON.parse(text)["csp-report"] ?? {};
    const where = String(report["blocked-uri"] ?? "?").slice(0, 100);
    return `${String(report["violated-directive"] ?? "?").slice(0, 100)} blocked ${where}`;
  } catch {
    return "(unreadable report)";
  }
}

/** The report door. */
export const cspReport: Handler = async (request) => {
  const text = new TextDecoder().decode(await readBody(request, MAX_REPORT_BYTES));
  const now = Date.now();
  if (now - lastSaid >= SAY_EVERY_MS) {
    lastSaid = now;
    console.error(`squint dashboard: the page's Content-Security-Policy ${summary(text)}`);
  }
  return new Response(null, { status: 204, headers: guarded() });
};
