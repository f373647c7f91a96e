/** Calls per command since the server started (or its last CONFIG RESETSTAT), from INFO commandstats. */
export async function commandCalls(redis) {
  const info = await redis.info('commandstats');
  const calls = new Map();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1], Number(match[2]));
  return calls;
}

/** Commands run between two readings: the total and the busiest commands, each per `per` (messages). */
export function commandsPer(before, after, per, top = 6) {
  const delta = [...after].map(([command, calls]) => [command, calls - (before.get(command) ?? 0)]).filter(([, calls]) => calls > 0);
  const total = delta.reduce((sum, [, calls]) => sum + calls, 0);
  const round = (value) => Math.round(value * 100) / 100;
  return {
    perMessage: round(total / per),
    busiest: delta
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([command, calls]) => `${command} ${round(calls / per)}`),
  };
}
