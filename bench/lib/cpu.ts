import { readFileSync } from 'node:fs';

/**
 * Kernel clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ):
 * 100 on every Linux the benchmarks run on.
 */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system) a process has used so far, in milliseconds (10 ms
 * resolution), or NaN where /proc is not there. Read around a load run, it
 * gives the server's CPU per request, which holds even when the load
 * generator, not the server, is what limits requests per second.
 */
export function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name and the state.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}
