import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What reached the trap's second server: a redirect that was followed. */
export interface ReachedRequest {
  method: string;
  url: string;
  body: string;
}

/**
 * Two servers on 127.0.0.1: one that answers every request with a redirect (`status`, 307 unless set) to the
 * other, which records whatever reaches it and answers `elsewhereAnswer` as JSON. A client that must not follow
 * redirects leaves `reached` empty; one that does hands the second server its request, body and headers.
 */
export interface RedirectTrap {
  /** The redirecting server's origin, to give the client as its API base or webhook host. */
  readonly origin: string;
  readonly reached: ReachedRequest[];
  status: number;
  close(): Promise<void>;
}

export async function startRedirectTrap(elsewhereAnswer: unknown): Promise<RedirectTrap> {
  const reached: ReachedRequest[] = [];
  const elsewhere = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      reached.push({ method: req.method ?? '', url: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(elsewhereAnswer));
    });
  });
  const trap = {
    origin: '',
    reached,
    status: 307,
    async close() {
      for (const server of [elsewhere, redirector]) server.closeAllConnections();
      await Promise.all([elsewhere, redirector].map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
  const redirector = createServer((req, res) => {
    req.resume();
    res.writeHead(trap.status, { location: `${originOf(elsewhere)}${req.url ?? '/'}` }).end();
  });
  await Promise.all([listen(elsewhere), listen(redirector)]);
  trap.origin = originOf(redirector);
  return trap;
}

const originOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const listen = (server: Server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
