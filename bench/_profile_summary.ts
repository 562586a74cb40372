/**
 * Summarises a V8 `.cpuprofile` (from `deno run --cpu-prof`): time by function and by file, self
 * (the sample's own frame) and inclusive (anywhere on the sample's stack, each frame counted once
 * per sample so recursion does not count twice), with shares of the busy time (all but `(idle)`).
 *
 * `deno run -A bench/_profile_summary.ts PROFILE.cpuprofile [--top=40] [--requests=N]
 * [--callers=TEXT] [--start-at=FUNCTION]` (`--requests` adds µs per request: the profile's time
 * over that many requests; `--start-at=nativeDispatch` leaves out what comes before the first
 * request; `--callers` lists who calls the functions whose name contains TEXT, and with what
 * inclusive time).
 *
 * @module
 */

/** A V8 CPU profile as `--cpu-prof` writes it. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }[];
  startTime: number;
  endTime: number;
  samples: number[];
  /** µs before each sample. */
  timeDeltas: number[];
}

/** One function or file and its time. */
export interface ProfileEntry {
  name: string;
  /** µs. */
  selfUs: number;
  totalUs: number;
}

/** The summary of one profile. */
export interface ProfileSummary {
  /** µs the profile spans, and of those, the µs not `(idle)`. */
  spanUs: number;
  busyUs: number;
  functions: ProfileEntry[];
  files: ProfileEntry[];
  /** Callers of the functions whose `name file:line` contains `text`, with inclusive time. */
  callers(text: string): ProfileEntry[];
}

const REPO = new URL("../", import.meta.url).href;

/** A script URL as a short readable file name: repo paths relative, npm packages by name. */
export function shortFile(url: string): string {
  if (!url) return "(native)";
  const npm = /node_modules\/\.deno\/([^/]+)\/node_modules\/(?:@[^/]+\/)?[^/]+\/(.*)$/.exec(url);
  if (npm) return `npm:${npm[1]}/${npm[2]}`;
  if (url.startsWith(REPO)) return url.slice(REPO.length);
  return url.replace(/^file:\/\//, "");
}

/** Options of {@linkcode summarizeProfile}. */
export interface SummaryOptions {
  /**
   * Count only from the first sample with a frame of this function name on its stack (e.g.
   * `nativeDispatch`, Deno.serve calling the handler: the first request), leaving out startup.
   */
  startAt?: string;
}

/** Aggregates a profile by function and by file. */
export function summarizeProfile(
  profile: CpuProfile,
  options: SummaryOptions = {},
): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const onStack = (id: number, name: string) => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      if (byId.get(at)!.callFrame.functionName === name) return true;
    }
    return false;
  };

  // Sample i lasts until sample i+1 (the DevTools convention); the last one gets the mean.
  const selfOfNode = new Map<number, number>();
  const { samples, timeDeltas } = profile;
  const mean = timeDeltas.reduce((s, d) => s + d, 0) / Math.max(1, timeDeltas.length);
  const first = options.startAt === undefined
    ? 0
    : Math.max(0, samples.findIndex((id) => onStack(id, options.startAt!)));
  for (let i = first; i < samples.length; i++) {
    const us = i + 1 < timeDeltas.length ? timeDeltas[i + 1] : mean;
    selfOfNode.set(samples[i], (selfOfNode.get(samples[i]) ?? 0) + us);
  }

  const functionKey = (id: number) => {
    const f = byId.get(id)!.callFrame;
    const name = f.functionName || "(anonymous)";
    return f.url ? `${name} ${shortFile(f.url)}:${f.lineNumber + 1}` : name;
  };
  const fileKey = (id: number) => {
    const f = byId.get(id)!.callFrame;
    return f.url ? shortFile(f.url) : f.functionName || "(native)";
  };

  const aggregate = (key: (id: number) => string): ProfileEntry[] => {
    const entries = new Map<string, ProfileEntry>();
    const entry = (name: string) => {
      let e = entries.get(name);
      if (!e) entries.set(name, e = { name, selfUs: 0, totalUs: 0 });
      return e;
    };
    for (const [id, us] of selfOfNode) {
      entry(key(id)).selfUs += us;
      const seen = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const name = key(at);
        if (name === "(root)" || seen.has(name)) continue;
        seen.add(name);
        entry(name).totalUs += us;
      }
    }
    return [...entries.values()];
  };

  const spanUs = [...selfOfNode.values()].reduce((s, us) => s + us, 0);
  const idleUs = [...selfOfNode].filter(([id]) => byId.get(id)!.callFrame.functionName === "(idle)")
    .reduce((s, [, us]) => s + us, 0);
  return {
    spanUs,
    busyUs: spanUs - idleUs,
    functions: aggregate(functionKey),
    files: aggregate(fileKey),
    callers: (text: string) => {
      // The outermost frame matching `text` on each sample's stack, charged to its caller.
      const byCaller = new Map<string, ProfileEntry>();
      for (const [id, us] of selfOfNode) {
        let outer: number | undefined;
        for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
          if (functionKey(at).includes(text)) outer = at;
        }
        if (outer === undefined) continue;
        const up = parent.get(outer);
        const name = `${up === undefined ? "(top)" : functionKey(up)} → ${functionKey(outer)}`;
        let e = byCaller.get(name);
        if (!e) byCaller.set(name, e = { name, selfUs: 0, totalUs: 0 });
        e.totalUs += us;
        if (outer === id) e.selfUs += us;
      }
      return [...byCaller.values()];
    },
  };
}

/** The top `top` entries by self and by inclusive time as plain text. */
export function formatSummary(
  summary: ProfileSummary,
  options: { top?: number; requests?: number } = {},
): string {
  const top = options.top ?? 40;
  const busy = summary.busyUs;
  const perRequest = (us: number) =>
    options.requests ? `  ${(us / options.requests).toFixed(2).padStart(7)} µs/req` : "";
  const row = (e: ProfileEntry, us: number) =>
    `${(us / 1000).toFixed(0).padStart(8)} ms ${(100 * us / busy).toFixed(1).padStart(5)}%` +
    `${perRequest(us)}  ${e.name}`;
  const list = (title: string, entries: ProfileEntry[], pick: (e: ProfileEntry) => number) => [
    title,
    ...entries.filter((e) => e.name !== "(idle)").sort((a, b) => pick(b) - pick(a)).slice(0, top)
      .map((e) => row(e, pick(e))),
    "",
  ];
  return [
    `profile span ${(summary.spanUs / 1e6).toFixed(2)} s, busy (not idle) ${
      (busy / 1e6).toFixed(2)
    } s${
      options.requests
        ? `, ${options.requests} requests: ${(busy / options.requests).toFixed(1)} µs busy/req`
        : ""
    }; shares are of the busy time`,
    "",
    ...list(`Self time by function (top ${top})`, summary.functions, (e) => e.selfUs),
    ...list(`Self time by file (top ${top})`, summary.files, (e) => e.selfUs),
    ...list(`Inclusive time by function (top ${top})`, summary.functions, (e) => e.totalUs),
    ...list(`Inclusive time by file (top ${top})`, summary.files, (e) => e.totalUs),
  ].join("\n");
}

if (import.meta.main) {
  const path = Deno.args.find((a) => !a.startsWith("--"));
  if (!path) throw new Error("usage: _profile_summary.ts PROFILE.cpuprofile [--top=40]");
  const option = (name: string) =>
    Deno.args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const profile = JSON.parse(await Deno.readTextFile(path)) as CpuProfile;
  const summary = summarizeProfile(profile, { startAt: option("start-at") });
  const requests = option("requests") ? Number(option("requests")) : undefined;
  const callers = option("callers");
  if (callers) {
    for (const e of summary.callers(callers).sort((a, b) => b.totalUs - a.totalUs)) {
      const perRequest = requests ? ` ${(e.totalUs / requests).toFixed(2).padStart(7)} µs/req` : "";
      console.log(`${(e.totalUs / 1000).toFixed(0).padStart(8)} ms${perRequest}  ${e.name}`);
    }
  } else {
    console.log(formatSummary(summary, { top: Number(option("top") ?? 40), requests }));
  }
}
