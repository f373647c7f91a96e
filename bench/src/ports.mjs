import { once } from 'node:events';
import { createServer } from 'node:net';

/** A port nobody listens on right now, on 127.0.0.1 (the OS picks it). */
export async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}
