/**
 * Runs bench/relay.ts as a child process of the bench, in front of the upstream base URL given as
 * the first argument (`--pump` after it: the relay that reads each chunk in JavaScript;
 * `--reader`: bench/reader.ts, the gateway that reads, parses and logs what it relays): prints
 * `listening http://127.0.0.1:PORT`, and stops on SIGTERM or when stdin closes.
 *
 * @module
 */
import { startReader } from "./reader.ts";
import { startRelay } from "./relay.ts";
import { serveUntilStopped } from "./serve_child.ts";

const upstream = Deno.args[0];
if (!upstream) throw new Error("usage: serve_relay.ts UPSTREAM_BASE_URL [--pump | --reader]");
const relay = Deno.args.includes("--reader")
  ? startReader(upstream)
  : startRelay(upstream, { pump: Deno.args.includes("--pump") });
await serveUntilStopped(new URL(relay.url).origin, () => relay.close());
