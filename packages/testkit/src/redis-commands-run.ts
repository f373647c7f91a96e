import type { Redis } from 'ioredis';

/**
 * The commands (lower case, in order) that touched keys under `prefix` while `act` ran, those run inside
 * scripts too: MONITOR on a connection of its own. Other tests' commands on the same Redis are left out by
 * the prefix. A GET of a mark key after `act` tells when MONITOR has shown everything `act` sent.
 */
export async function redisCommandsRunBy(redis: Redis, prefix: string, act: () => Promise<void>): Promise<string[]> {
  const monitor = await redis.duplicate().monitor();
  const seen: string[][] = [];
  const endMark = `${prefix}:end-of-watch`;
  let ended: () => void = () => undefined;
  const end = new Promise<void>((resolve) => (ended = resolve));
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args[1] === endMark) ended();
    else seen.push(args);
  });
  try {
    await act();
    await redis.get(endMark);
    await end;
  } finally {
    monitor.disconnect();
  }
  return seen.filter((args) => args.slice(1).some((arg) => arg.startsWith(prefix))).map((args) => args[0]!.toLowerCase());
}
