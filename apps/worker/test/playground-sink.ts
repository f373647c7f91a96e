import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SinkPost {
  path: string;
  body: { msgtype?: string; markdown?: { title: string; text: string }; at?: { atUserIds: string[] } };
}

export interface PlaygroundSink {
  origin: string;
  posts: SinkPost[];
  server: Server;
}

/** The gateway's playground webhook as a worker sees it: a real HTTP server answering as DingTalk does. */
export async function startPlaygroundSink(): Promise<PlaygroundSink> {
  const posts: SinkPost[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', body: JSON.parse(raw) as SinkPost['body'] });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ errcode: 0, errmsg: 'ok' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posts, server };
}
