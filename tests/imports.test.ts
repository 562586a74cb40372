/**
 * The import rules (DESIGN.md, Rules of the house), read from the source: imports run one way —
 * doors and handlers → lifecycle → planners, providers, relay, storage — with no cycles; errors
 * and shared types live in modules that import nothing else of squint.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url).pathname;
const IMPORT =
  /(?:import|export)\s[^'"]*?from\s+["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']/gs;

/** Every .ts file under `dirs`, relative to the repository root. */
function sources(dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of Deno.readDirSync(ROOT + dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) walk(path);
      else if (entry.name.endsWith(".ts")) out.push(path);
    }
  };
  dirs.forEach(walk);
  return out.sort();
}

function normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== ".") parts.push(part);
  }
  return parts.join("/");
}

/** File → the project files it imports. */
function importGraph(): Map<string, string[]> {
  const files = sources(["src", "workers"]);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    // Block comments go first: a JSDoc example is not an import.
    const text = Deno.readTextFileSync(ROOT + file).replace(/\/\*[\s\S]*?\*\//g, "");
    const dir = file.slice(0, file.lastIndexOf("/"));
    const deps = [...text.matchAll(IMPORT)]
      .map((m) => normalize(`${dir}/${m[1] ?? m[2]}`))
      .filter((dep) => known.has(dep));
    graph.set(file, [...new Set(deps)]);
  }
  return graph;
}

/** The cycles of `graph` (strongly connected components of more than one file, or a self-import). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>(), low = new Map<string, number>();
  const stack: string[] = [], onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)!.includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

const graph = importGraph();

/** Imports from `from` files into `to` files, as "a → b" lines. */
function imports(from: (f: string) => boolean, to: (f: string) => boolean): string[] {
  return [...graph].flatMap(([file, deps]) =>
    from(file) ? deps.filter(to).map((dep) => `${file} → ${dep}`) : []
  );
}

const under = (...dirs: string[]) => (file: string) => dirs.some((d) => file.startsWith(d));

Deno.test("squint's source has no import cycles", () => {
  assert.deepEqual(cycles(graph), []);
});

Deno.test("only the server's entry imports the HTTP layer", () => {
  const entry = new Set(["src/app.ts", "src/main.ts"]);
  assert.deepEqual(
    imports((f) => !f.startsWith("src/http/") && !entry.has(f), under("src/http/")),
    [],
  );
});

Deno.test("planners, providers, relay, storage, observers and workers never import the doors, the lifecycle or the dashboard", () => {
  const lower = under(
    "src/optimize/",
    "src/models/",
    "src/providers/",
    "src/relay/",
    "src/storage/",
    "src/intake/",
    "src/cache/",
    "src/accounting/",
    "src/routing/",
    "src/pipeline/",
    "src/keys/",
    "src/observe/",
    "workers/",
  );
  assert.deepEqual(
    imports(
      lower,
      under("src/doors/", "src/lifecycle/lifecycle.ts", "src/http/", "src/dashboard/"),
    ),
    [],
  );
});

Deno.test("planners do no I/O of squint's: they import neither storage, providers nor the pool", () => {
  assert.deepEqual(
    imports(
      under("src/optimize/", "src/models/"),
      under("src/storage/", "src/providers/", "src/pool/", "src/pipeline/"),
    ),
    [],
  );
});

Deno.test("errors and content addresses import nothing else of squint", () => {
  assert.deepEqual(graph.get("src/errors.ts"), []);
  assert.deepEqual(graph.get("src/cache/sha256.ts"), []);
});

Deno.test("the import reader sees a cycle and a wrong direction when there is one", () => {
  const made = new Map([["a.ts", ["b.ts"]], ["b.ts", ["c.ts"]], ["c.ts", ["a.ts"]], ["d.ts", []]]);
  assert.deepEqual(cycles(made), [["a.ts", "b.ts", "c.ts"]]);
  assert.ok(graph.get("src/http/router.ts")!.includes("src/lifecycle/lifecycle.ts"));
});
