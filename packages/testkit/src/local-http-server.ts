import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendJson } from './http-json.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface LocalHttpServer {
  server: Server;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Drops open keep-alive connections too, so a test's teardown never waits for idle sockets. */
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 and a port the OS picks, so parallel test files never collide. */
export async function startLocalHttpServer(handler: RequestHandler): Promise<LocalHttpServer> {
  const server = createServer((req, res) => {
    handler(req, res).catch((error: unknown) => {
      // A bug in a fake must fail the test loudly instead of leaving the client waiting.
      sendJson(res, 500, { error: { message: `fake server error: ${String(error)}` } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
    return closing;
  };
  return { server, origin: `http://127.0.0.1:${port}`, close };
}
