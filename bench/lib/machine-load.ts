/**
 * How busy the machine is, printed next to every figure the benchmarks report: the load average
 * before each block, and during a run the CPU used by processes other than the ones measured (from
 * /proc/stat). The load average lags (it includes the benchmark's own previous block), so a run is
 * judged by what others used while it ran: over `BUSY_CORES`, its figures are flagged as taken under
 * load and no absolute target is judged on them.
 */
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';

/** Other processes using more than this many cores during a run make it "under load". */
export const BUSY_CORES = 0.2;

const two = (n: number) => n.toFixed(2);

/** `load average 0.12 0.30 0.41 (2 CPUs)`. */
export function loadLine(): string {
  return `load average ${loadavg().map(two).join(' ')} (${cpus().length} CPUs)`;
}

/** True when the 1-minute load average says someone else is already busy (before we start). */
export function busyBeforeStart(): boolean {
  return (loadavg()[0] ?? 0) > 0.5;
}

/** Machine-wide busy CPU time so far, in ms (from /proc/stat; USER_HZ is 100 on Linux). */
export async function machineBusyMs(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0] ?? '';
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 10;
}

/** CPU time a process has used so far, in ms (utime + stime from /proc/<pid>/stat); 0 once it is gone. */
export async function processCpuMs(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces, inside parentheses): utime is the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}
