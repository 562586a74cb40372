/** What squint says on stderr during a test, kept instead of printed. */

/** `console.error`'s lines until disposed (then it prints again). */
export function captureErrors(): { lines: string[]; [Symbol.dispose](): void } {
  const original = console.error;
  const lines: string[] = [];
  console.error = (...args: unknown[]) => lines.push(args.join(" "));
  return {
    lines,
    [Symbol.dispose]() {
      console.error = original;
    },
  };
}
