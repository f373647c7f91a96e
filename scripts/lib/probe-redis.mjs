// Is a Redis listening on a local port? Shared by `npm start` and `npm test`. Node built-ins only.
import { accessSync, constants } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * PING a local port. 'pong': a Redis answers; 'noauth': a Redis that wants a password; 'other': something
 * else listens there; 'none': nothing listens.
 */
export function probeRedis(port, host = '127.0.0.1', timeoutMs = 1000) {
  return new Promise((resolve) => {
    let connected = false;
    let reply = '';
    const socket = net.connect({ host, port });
    const done = (result) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(connected ? 'other' : 'none'));
    socket.on('connect', () => {
      connected = true;
      socket.write('*1\r\n$4\r\nPING\r\n');
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (!reply.includes('\r\n')) return;
      if (reply.startsWith('+PONG')) done('pong');
      else if (/^-(NOAUTH|WRONGPASS)/.test(reply)) done('noauth');
      else done('other');
    });
    socket.on('error', () => done(connected ? 'other' : 'none'));
    socket.on('close', () => done(connected ? 'other' : 'none'));
  });
}

export function onPath(command) {
  const extensions = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const extension of extensions) {
      try {
        accessSync(path.join(dir || '.', command + extension), constants.X_OK);
        return true;
      } catch {
        // not here
      }
    }
  }
  return false;
}

