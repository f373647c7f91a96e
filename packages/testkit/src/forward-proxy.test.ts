import { request } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startForwardProxy, type ForwardProxy } from './forward-proxy.js';
import { startLocalHttpServer, type LocalHttpServer } from './local-http-server.js';

let proxy: ForwardProxy;
let upstream: LocalHttpServer;

beforeAll(async () => {
  proxy = await startForwardProxy();
  upstream = await startLocalHttpServer(async (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`${req.method} ${req.url}`);
  });
});

afterAll(async () => {
  await Promise.all([proxy.close(), upstream.close()]);
});

function viaProxy(options: { method: string; path: string }): Promise<{ status: number; body: string; socket?: Socket }> {
  const { port } = new URL(proxy.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, ...options });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('connect', (res, socket) => resolve({ status: res.statusCode ?? 0, body: '', socket }));
    req.on('error', reject);
    req.end();
  });
}

describe('startForwardProxy', () => {
  it('forwards a request in absolute form and records it', async () => {
    const answer = await viaProxy({ method: 'GET', path: `${upstream.origin}/plain?x=1` });
    expect(answer).toMatchObject({ status: 200, body: 'GET /plain?x=1' });
    expect(proxy.requestsTo(upstream.origin)).toEqual([{ method: 'GET', target: `${upstream.origin}/plain?x=1` }]);
  });

  it('opens a CONNECT tunnel and records it', async () => {
    const host = new URL(upstream.origin).host;
    const { status, socket } = await viaProxy({ method: 'CONNECT', path: host });
    expect(status).toBe(200);
    const reply = await new Promise<string>((resolve) => {
      let text = '';
      socket!.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
        if (text.includes('GET /tunnelled')) resolve(text);
      });
      socket!.write(`GET /tunnelled HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    });
    socket!.destroy();
    expect(reply).toMatch(/^HTTP\/1\.1 200/);
    expect(proxy.requestsTo(upstream.origin)).toContainEqual({ method: 'CONNECT', target: host });
  });

  it('refuses to reach anything but this machine', async () => {
    expect((await viaProxy({ method: 'GET', path: 'http://example.com/' })).status).toBe(403);
    expect((await viaProxy({ method: 'CONNECT', path: 'example.com:443' })).status).toBe(403);
  });
});
