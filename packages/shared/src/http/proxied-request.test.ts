import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxiedRequest } from './proxied-request.js';

// proxiedRequest against a real server on 127.0.0.1: what a caller reads of an answer, and that a redirect is
// handed back as it came, never followed (a followed 307 would carry the body past the caller's origin check).
let server: Server;
let origin: string;
const seen: { method: string; path: string; body: string; contentType: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      seen.push({ method: request.method ?? '', path: request.url ?? '', body, contentType: request.headers['content-type'] });
      if (request.url === '/moved') response.writeHead(307, { location: '/elsewhere' }).end();
      else response.writeHead(200, { 'content-type': 'application/json', 'x-twice': ['a', 'b'] }).end('{"errcode":0}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const direct = proxiedRequest({ configured: false, proxyFor: () => undefined });
const signal = () => AbortSignal.timeout(5000);

describe('proxiedRequest', () => {
  it('sends the method, headers and body, and reads the status, a header and the body', async () => {
    seen.length = 0;
    const answer = await direct(new URL('/robot/send?access_token=t', origin), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"msgtype":"text"}',
      signal: signal(),
    });
    expect(answer.status).toBe(200);
    expect(answer.header('Content-Type')).toBe('application/json');
    expect(answer.header('x-twice')).toBe('a, b');
    expect(answer.header('x-absent')).toBeUndefined();
    expect(await answer.text()).toBe('{"errcode":0}');
    expect(seen).toEqual([{ method: 'POST', path: '/robot/send?access_token=t', body: '{"msgtype":"text"}', contentType: 'application/json' }]);
  });

  it('hands a redirect back as it came: the place it points to is never asked', async () => {
    seen.length = 0;
    const answer = await direct(new URL('/moved', origin), { method: 'POST', headers: {}, body: 'secret', signal: signal() });
    expect(answer.status).toBe(307);
    expect(answer.header('location')).toBe('/elsewhere');
    await answer.discard();
    expect(seen.map(({ path }) => path)).toEqual(['/moved']);
  });

  it('fails when the time is up, as fetch does', async () => {
    await expect(direct(new URL('/robot/send', origin), { method: 'GET', headers: {}, signal: AbortSignal.abort() })).rejects.toThrow();
  });

  it('in a fresh process, leaves Node\'s own undici the global dispatcher that Node\'s fetch uses', async () => {
    const built = new URL('../../dist/http/proxied-request.js', import.meta.url).href;
    const script = `
      const { proxiedRequest } = await import(${JSON.stringify(built)});
      const send = proxiedRequest({ configured: false, proxyFor: () => undefined });
      await send(new URL(${JSON.stringify(`${origin}/probe`)}), { method: 'GET', headers: {}, signal: AbortSignal.timeout(5000) }).then((a) => a.text());
      const { Agent } = await import('undici');
      const installed = globalThis[Symbol.for('undici.globalDispatcher.1')];
      console.log(JSON.stringify({ installed: installed !== undefined, thePackages: installed instanceof Agent }));
    `;
    // Not a synchronous child: this process serves the child's request.
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
    });
    expect(JSON.parse(stdout)).toEqual({ installed: true, thePackages: false });
  });
});
