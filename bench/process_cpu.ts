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

/** utime + stime of a `stat` file's text (a process's or one of its threads'). */
function usedTicks(stat: string): number {
  // The command name in field 2 may hold spaces and parentheses; the fields after it do not.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
  return Number(fields[11]) + Number(fields[12]);
}

/** Clock ticks of CPU the process `pid` has used so far (utime + stime). */
export function cpuTicks(pid: number): number {
  return usedTicks(Deno.readTextFileSync(`/proc/${pid}/stat`));
}

/** A process's CPU ticks by kind of thread. */
export interface ThreadTicks {
  /** The main thread: its JavaScript isolate and the runtime's I/O driven from its event loop. */
  main: number;
  /** V8's helper threads (`V8 DefaultWorker`): concurrent and parallel GC, background compiles. */
  v8: number;
  /** Every other thread: Web Workers (squint's log and picture workers), tokio's blocking pool. */
  other: number;
}

/** Clock ticks of CPU each kind of thread of `pid` has used so far; threads gone are not counted. */
export function threadTicks(pid: number): ThreadTicks {
  const ticks: ThreadTicks = { main: 0, v8: 0, other: 0 };
  for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/stat`);
    } catch {
      continue; // the thread ended between the listing and the read
    }
    const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const kind = task.name === String(pid) ? "main" : name.startsWith("V8 ") ? "v8" : "other";
    ticks[kind] += usedTicks(stat);
  }
  return ticks;
}
