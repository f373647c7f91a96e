/**
 * What a redis-server has done so far, read in one INFO: calls per command (commandstats, which also
 * counts the commands Lua scripts run), its main thread's CPU time (the commands' work, not background
 * saves; the whole process on a Redis without the main-thread fields) and its socket reads.
 */
export async function readRedisWork(redis) {
  const info = await redis.call('INFO', 'cpu', 'stats', 'commandstats');
  const field = (name) => {
    const match = new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info);
    return match ? Number(match[1]) : undefined;
  };
  const calls = new Map();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1], Number(match[2]));
  const mainThread = field('used_cpu_sys_main_thread') !== undefined;
  const cpuSeconds = mainThread
    ? field('used_cpu_sys_main_thread') + (field('used_cpu_user_main_thread') ?? 0)
    : (field('used_cpu_sys') ?? 0) + (field('used_cpu_user') ?? 0);
  return { calls, cpuUs: cpuSeconds * 1e6, cpuSource: mainThread ? 'main thread' : 'process', reads: field('total_reads_processed') };
}

/**
 * Redis work between two readings, per `per` (answered messages or finished jobs): commands, script
 * calls (EVALSHA + EVAL), main-thread CPU µs, and socket reads. A socket read is one batch of requests
 * arriving from a client: a round trip, or several pipelined commands that arrived together, so it is
 * close to the round trips a client made (a request split across two reads counts twice).
 */
export function redisWorkPer(before, after, per, top = 6) {
  const delta = [...after.calls].map(([command, calls]) => [command, calls - (before.calls.get(command) ?? 0)]).filter(([, calls]) => calls > 0);
  const total = delta.reduce((sum, [, calls]) => sum + calls, 0);
  const scripts = delta.filter(([command]) => command === 'evalsha' || command === 'eval').reduce((sum, [, calls]) => sum + calls, 0);
  const round = (value, places = 2) => Math.round(value * 10 ** places) / 10 ** places;
  return {
    commands: round(total / per),
    scriptCalls: round(scripts / per),
    redisCpuUs: round((after.cpuUs - before.cpuUs) / per, 1),
    cpuSource: after.cpuSource,
    socketReads: after.reads === undefined || before.reads === undefined ? undefined : round((after.reads - before.reads) / per),
    busiest: delta
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([command, calls]) => `${command} ${round(calls / per)}`),
    /** Every command that ran, per `per`, most first: { command: calls }. */
    all: Object.fromEntries(delta.sort((a, b) => b[1] - a[1]).map(([command, calls]) => [command, round(calls / per)])),
  };
}
