import type { Redis } from 'ioredis';
import { monitorCommands, type MonitoredCommand } from './monitor-lines.js';

/**
 * The commands (lower case, in order) that touched keys under `prefix` while `act` ran, those run inside
 * scripts too, and the keyless ones (MULTI, EXEC) of the connections that sent them: MONITOR on a connection
 * of its own. Other tests' commands on the same Redis are left out by the prefix and the connection. A GET of
 * a mark key after `act` tells when MONITOR has shown everything `act` sent.
 */
export async function redisCommandsRunBy(redis: Redis, prefix: string, act: () => Promise<void>): Promise<string[]> {
  return (await redisCallsRunBy(redis, prefix, act)).map(({ command }) => command);
}

/** One command `redisCallsRunBy` saw: its name, its first key under the prefix (the prefix cut off), and whether a script ran it. */
export interface RedisCall {
  command: string;
  key: string | undefined;
  inScript: boolean;
}

/** As `redisCommandsRunBy`, with each command's first key under the prefix and whether a script ran it. */
export async function redisCallsRunBy(redis: Redis, prefix: string, act: () => Promise<void>): Promise<RedisCall[]> {
  const seen: MonitoredCommand[] = [];
  const endMark = `${prefix}:end-of-watch`;
  let ended: () => void = () => undefined;
  const end = new Promise<void>((resolve) => (ended = resolve));
  const monitor = await monitorCommands(redis, (command) => {
    if (command.args[1] === endMark) ended();
    else seen.push(command);
  });
  try {
    await act();
    await redis.get(endMark);
    await end;
  } finally {
    monitor.stop();
  }
  const touchesPrefix = (args: string[]) => args.slice(1).some((arg) => arg.startsWith(prefix));
  const ourConnections = new Set(seen.filter(({ args, source }) => source !== 'lua' && touchesPrefix(args)).map(({ source }) => source));
  return seen
    .filter(({ args, source }) => touchesPrefix(args) || (args.length === 1 && ourConnections.has(source)))
    .map(({ args, source }) => ({
      command: args[0]!.toLowerCase(),
      key: args.slice(1).find((arg) => arg.startsWith(prefix))?.slice(prefix.length),
      inScript: source === 'lua',
    }));
}
