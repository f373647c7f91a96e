import { connect } from 'node:net';
import type { Redis } from 'ioredis';

/** One command MONITOR showed: its arguments (the command first) and who ran it (`lua`, or the client's address). */
export interface MonitoredCommand {
  args: string[];
  source: string;
}

/**
 * MONITOR on a socket of its own, read line by line. Not ioredis' `monitor()`: that connection parses the first
 * commands it is shown before it knows it is monitoring when they arrive in the same read as MONITOR's `OK`,
 * which a busy Redis (other tests running) makes likely, and fails with "Command queue state error".
 * Resolves once Redis has answered `OK`: every command from then on reaches `onCommand`.
 */
export async function monitorCommands(redis: Redis, onCommand: (command: MonitoredCommand) => void): Promise<{ stop(): void }> {
  const { host = '127.0.0.1', port = 6379, username, password } = redis.options;
  const socket = connect({ host, port });
  const auth = password ? `${command(['AUTH', ...(username ? [username] : []), password])}` : '';
  socket.write(`${auth}${command(['MONITOR'])}`);
  let buffered = '';
  let acknowledged = !auth ? 0 : -1;
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      let newline = buffered.indexOf('\r\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 2);
        newline = buffered.indexOf('\r\n');
        if (line.startsWith('-')) {
          reject(new Error(`MONITOR refused: ${line.slice(1)}`));
        } else if (acknowledged < 1) {
          acknowledged += 1;
          if (acknowledged === 1) resolve();
        } else {
          const parsed = parseMonitorLine(line);
          if (parsed) onCommand(parsed);
        }
      }
    });
  });
  return { stop: () => socket.destroy() };
}

const command = (args: string[]) => `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;

/** `+1339518083.107412 [0 127.0.0.1:60866] "set" "k\x00" "v"`: the arguments unquoted (Redis' escapes undone, as UTF-8). */
export function parseMonitorLine(line: string): MonitoredCommand | undefined {
  const match = /^\+[\d.]+ \[\d+ ([^\]]+)\] (.*)$/s.exec(line);
  if (!match) return undefined;
  const [, source, rest] = match;
  const args: string[] = [];
  let bytes: number[] | undefined;
  for (let i = 0; i < rest!.length; i += 1) {
    const char = rest![i]!;
    if (bytes === undefined) {
      if (char === '"') bytes = [];
      continue;
    }
    if (char === '"') {
      args.push(Buffer.from(bytes).toString('utf8'));
      bytes = undefined;
    } else if (char === '\\') {
      const next = rest![i + 1]!;
      const escaped: Record<string, number> = { n: 10, r: 13, t: 9, a: 7, b: 8, '"': 34, '\\': 92 };
      if (next === 'x') {
        bytes.push(Number.parseInt(rest!.slice(i + 2, i + 4), 16));
        i += 3;
      } else {
        bytes.push(escaped[next] ?? next.charCodeAt(0));
        i += 1;
      }
    } else {
      bytes.push(char.charCodeAt(0));
    }
  }
  return { args, source: source! };
}
