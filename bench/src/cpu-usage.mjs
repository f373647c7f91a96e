import { readFileSync } from 'node:fs';

/**
 * More than this many cores busy with work outside the bench makes a measurement unreliable: on
 * the 2-core machine it takes CPU from the processes under test.
 */
export const DISTURBED_CORES = 0.15;

/** Busy and total clock ticks of the whole machine (first line of /proc/stat). */
function machineTicks() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
  const idle = fields[3] + fields[4];
  return { busy: total - idle, total };
}

/** utime + stime of a process in clock ticks; 0 once it is gone or is not visible here. */
function processTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/**
 * Watches where the machine's CPU goes while a measurement runs: the processes the bench knows
 * (itself, the app under load, Redis) and everything else. Other work on a 2-core machine (a build,
 * someone's tests) lowers the figures; `otherCores` tells a disturbed round from a clean one.
 */
export function watchCpu(pids) {
  const startMachine = machineTicks();
  const startOwn = pids.map(processTicks);
  const startedAt = Date.now();
  return {
    stop() {
      const endMachine = machineTicks();
      const endOwn = pids.map(processTicks);
      const seconds = (Date.now() - startedAt) / 1000;
      // /proc/stat counts in USER_HZ (100 on Linux); so does /proc/<pid>/stat.
      const cores = (ticks) => ticks / 100 / seconds;
      const own = endOwn.map((end, index) => cores(end - startOwn[index]));
      const busy = cores(endMachine.busy - startMachine.busy);
      return {
        busyCores: busy,
        ownCores: own,
        // CPU time of each process while watched, in ms (10 ms resolution).
        ownMs: endOwn.map((end, index) => (end - startOwn[index]) * 10),
        otherCores: Math.max(0, busy - own.reduce((sum, value) => sum + value, 0)),
      };
    },
  };
}
