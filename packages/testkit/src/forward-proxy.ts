import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

/** One request that passed through the proxy. */
export interface ProxiedRequest {
  /** `CONNECT` for a tunnel, else the forwarded request's method. */
  method: string;
  /** `host:port` of a tunnel, or the absolute URL of a forwarded request. */
  target: string;
}

export interface ForwardProxy {
  /** `http://127.0.0.1:<port>`: the value for `HTTP_PROXY` / `HTTPS_PROXY`. */
  readonly url: string;
  /** `host:port` of the proxy, as a `NO_PROXY` entry would name it. */
  readonly host: string;
  readonly requests: readonly ProxiedRequest[];
  /** Requests that went to `origin` (`http://127.0.0.1:1234`), tunnelled or forwarded. */
  requestsTo(origin: string): ProxiedRequest[];
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * A forward HTTP proxy on 127.0.0.1, as operators put in front of a gateway: it forwards requests in
 * absolute form (`GET http://host/path`) and opens `CONNECT host:port` tunnels, and records each. It
 * only reaches this machine, so it is never an open proxy.
 */
export async function startForwardProxy(): Promise<ForwardProxy> {
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => forward(req, res, requests));
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    requests.push({ method: 'CONNECT', target });
    const { hostname, port } = new URL(`http://${target}`);
    if (!LOOPBACK.has(hostname) || !port) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = connect(Number(port), hostname.replace(/^\[|\]$/g, ''), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.once('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const originOf = (entry: ProxiedRequest) => (entry.method === 'CONNECT' ? `http://${entry.target}` : new URL(entry.target).origin);
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    requestsTo: (origin) => requests.filter((entry) => originOf(entry) === new URL(origin).origin),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

function forward(req: IncomingMessage, res: ServerResponse, requests: ProxiedRequest[]): void {
  let target: URL;
  try {
    target = new URL(req.url ?? '');
  } catch {
    res.writeHead(400).end('a proxy takes absolute URLs');
    return;
  }
  requests.push({ method: req.method ?? 'GET', target: target.href });
  if (target.protocol !== 'http:' || !LOOPBACK.has(target.hostname)) {
    res.writeHead(403).end('this proxy reaches this machine only');
    return;
  }
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !name.startsWith('proxy-')));
  const upstream = request(target, { method: req.method, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(upstream);
}
