/**
 * CPU time of a process as Linux accounts it in /proc/<pid>/stat: user + system time of all its
 * threads (a Deno process's workers, V8's GC threads and tokio's I/O threads included).
 *
 * @module
 */

/** Clock ticks per second of /proc's time fields (`getconf CLK_TCK`; 100 on Linux). */
export const CLOCK_TICKS = clockTicks();

function clockTicks(): number {
  try {
    const out = new Deno.Command("getconf", { args: ["CLK_TCK"], stdout: "piped" }).outputSync();
    const ticks = Number(new TextDecoder().decode(out.stdout).trim());
    return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

/** Clock ticks of CPU the process `pid` has used so far (utime + stime). */
export function cpuTicks(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // The command name in field 2 may hold spaces and parentheses; the fields after it do not.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
  return Number(fields[11]) + Number(fields[12]);
}
