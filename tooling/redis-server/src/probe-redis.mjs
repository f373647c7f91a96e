// Is a Redis listening on a port? A raw PING over a socket: no client library, so it runs before pnpm install.
import net from 'node:net';

/**
 * PING a port. 'pong': a Redis answers; 'noauth': a Redis that wants a password; 'other': something else
 * listens there; 'none': nothing listens.
 * @param {number} port
 * @param {string} [host]
 * @param {number} [timeoutMs]
 * @returns {Promise<'pong' | 'noauth' | 'other' | 'none'>}
 */
export function probeRedis(port, host = '127.0.0.1', timeoutMs = 1000) {
  return new Promise((resolve) => {
    let connected = false;
    let reply = '';
    const socket = net.connect({ host, port });
    /** @param {'pong' | 'noauth' | 'other' | 'none'} result */
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
