/**
 * Timer delays from settings and client controls. A timer holds at most 2^31 − 1 ms (about 24.8
 * days); a longer delay does not wait longer, it overflows and fires at once (Deno, as browsers
 * and Node, with a warning). Operators write "never time out" as a huge number of seconds, so
 * every such delay goes through `timerMs`, which waits the longest a timer can instead.
 *
 * @module
 */

/** The longest delay a timer takes: 2^31 − 1 ms, about 24.8 days. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `ms` as a timer can wait it: no longer than MAX_TIMER_MS. */
export function timerMs(ms: number): number {
  return Math.min(ms, MAX_TIMER_MS);
}
