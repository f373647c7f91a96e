import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface PausableTcpProxy {
  /** The proxy's port on 127.0.0.1. */
  readonly port: number;
  /** `url` (e.g. a `redis://` URL, credentials kept) pointing at the proxy instead of its target. */
  through(url: string): string;
  /**
   * Holds every byte in both directions, as a Redis stopped with SIGSTOP does: connections stay
   * open, commands neither fail nor answer. New connections are held too.
   */
  pause(): void;
  /** Lets everything held through, in order (a command held while paused then runs late). */
  resume(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 in front of `target` that a test can freeze and thaw, to make a real
 * server (Redis) unresponsive for one client without touching anyone else's connections.
 */
export async function startPausableTcpProxy(target: { host: string; port: number }): Promise<PausableTcpProxy> {
  let paused = false;
  const held: (() => void)[] = [];
  const sockets = new Set<Socket>();

  const forward = (from: Socket, to: Socket) => {
    from.on('data', (chunk) => {
      if (paused) held.push(() => to.write(chunk));
      else to.write(chunk);
    });
    from.on('close', () => to.destroy());
    from.on('error', () => to.destroy());
  };

  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    port,
    through(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      for (const write of held.splice(0)) write();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
