/**
 * The Responses WebSocket's responses under way, across every session, so that a stopping squint
 * lets them finish on their sockets (within its grace period) before the server closes the
 * sockets: `drain()` refuses new responses from then on and resolves once none is under way.
 *
 * @module
 */
import { GatewayError } from "../errors.ts";

/** What a request or a new response gets while squint stops. */
export function shuttingDown(): GatewayError {
  return new GatewayError(
    503,
    "squint is shutting down: send this again (another instance, or this one restarted, takes it)",
    "overloaded_error",
    "server_shutting_down",
    null,
    { "retry-after": "1", connection: "close" },
  );
}

/** Responses under way on WebSocket sessions. */
export class SocketResponses {
  #underway = 0;
  #idle: (() => void)[] = [];
  #draining = false;

  /** Whether squint is stopping: no new response is started. */
  get draining(): boolean {
    return this.#draining;
  }

  /** A response was sent upstream. */
  begin(): void {
    this.#underway++;
  }

  /** A response ended (its terminal event, or its socket closed). */
  end(): void {
    this.#underway--;
    if (this.#underway === 0) { for (const wake of this.#idle.splice(0)) wake(); }
  }

  /** Refuses new responses; resolves once none is under way. */
  drain(): Promise<void> {
    this.#draining = true;
    if (this.#underway === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}
