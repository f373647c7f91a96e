import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxiedRequest } from '@dtbot/shared';
import { modelFetch } from '../src/http/model-fetch.js';
import { trackDepartures, UNDICI_CHANNELS } from '../src/http/request-departures.js';

// trackDepartures reads undici's diagnostics channels, which are undici internals and may change in
// any release. Two undicis make the worker's requests: the one Node ships (its global `fetch`, used
// when no proxy is set) and the `undici` package (`proxiedFetch`, used through a proxy). Each is
// checked here against a real server on 127.0.0.1, and the versions checked are pinned.
const CHECKED_PACKAGE_VERSION = '6.29.1';
/** Node's own undici changes with every Node release the engines range allows: its major is pinned. */
const CHECKED_NODE_UNDICI_MAJOR = 6;
const WHAT_TO_CHECK =
  `undici changed under request-departures.ts, or is not the version it was checked against. Check that ` +
  `'${UNDICI_CHANNELS.requestCreated}' is still published with { request } in the async context of the caller, ` +
  `and '${UNDICI_CHANNELS.headersSent}' with that same request object once its headers are written, ` +
  `then update the pinned versions in this test (docs/undici-diagnostics.md says why)`;

type Seen = { what: 'created'; inCaller: string | undefined; request: unknown } | { what: 'sent'; request: unknown } | { what: 'arrived' };

const seen: Seen[] = [];
const server = createServer((request, response) => {
  seen.push({ what: 'arrived' });
  request.resume();
  response.end('ok');
});
let url: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** What undici published, and when the server saw the request, while `send` ran in a caller's context. */
async function observe(send: () => Promise<unknown>): Promise<Seen[]> {
  seen.length = 0;
  const caller = new AsyncLocalStorage<string>();
  const onCreated = (message: unknown) => seen.push({ what: 'created', inCaller: caller.getStore(), request: (message as { request?: unknown }).request });
  const onSent = (message: unknown) => seen.push({ what: 'sent', request: (message as { request?: unknown }).request });
  diagnostics.subscribe(UNDICI_CHANNELS.requestCreated, onCreated);
  diagnostics.subscribe(UNDICI_CHANNELS.headersSent, onSent);
  try {
    await caller.run('the caller', send);
  } finally {
    diagnostics.unsubscribe(UNDICI_CHANNELS.requestCreated, onCreated);
    diagnostics.unsubscribe(UNDICI_CHANNELS.headersSent, onSent);
  }
  return [...seen];
}

/** The shapes trackDepartures relies on: one create in the caller's context, then the same request sent, then arrived. */
function expectReliedOnShapes(events: Seen[]): void {
  expect(events.map((event) => event.what), WHAT_TO_CHECK).toEqual(['created', 'sent', 'arrived']);
  const [created, sent] = events as [Extract<Seen, { what: 'created' }>, Extract<Seen, { what: 'sent' }>];
  expect(created.inCaller, WHAT_TO_CHECK).toBe('the caller');
  expect(typeof created.request, WHAT_TO_CHECK).toBe('object');
  expect(created.request, WHAT_TO_CHECK).not.toBeNull();
  expect(sent.request, WHAT_TO_CHECK).toBe(created.request);
}

const readText = (response: { text(): Promise<string> }) => response.text();

describe('undici diagnostics that trackDepartures relies on', () => {
  it(`the undici package is ${CHECKED_PACKAGE_VERSION} and Node ships undici ${CHECKED_NODE_UNDICI_MAJOR}.x: the versions checked`, () => {
    const installed = (createRequire(import.meta.url)('undici/package.json') as { version: string }).version;
    expect(installed, WHAT_TO_CHECK).toBe(CHECKED_PACKAGE_VERSION);
    expect(Number(process.versions.undici?.split('.')[0]), WHAT_TO_CHECK).toBe(CHECKED_NODE_UNDICI_MAJOR);
  });

  // Before the package is imported: importing it may install its agent as the global dispatcher,
  // and Node's `fetch` would then be the package's.
  it(`Node's fetch: { request } on ${UNDICI_CHANNELS.requestCreated} in the caller's context, the same request on ${UNDICI_CHANNELS.headersSent}, before the server sees it`, async () => {
    expectReliedOnShapes(await observe(() => fetch(url).then(readText)));
    let departures = 0;
    await trackDepartures(() => (departures += 1), () => fetch(url).then(readText));
    expect(departures).toBe(1);
  });

  it(`the undici package's fetch: the same two messages, in the same order, with the same request`, async () => {
    const { Agent, fetch: packageFetch } = await import('undici');
    const dispatcher = new Agent();
    try {
      expectReliedOnShapes(await observe(() => packageFetch(url, { dispatcher }).then(readText)));
      let departures = 0;
      await trackDepartures(() => (departures += 1), () => packageFetch(url, { dispatcher }).then(readText));
      expect(departures).toBe(1);
    } finally {
      await dispatcher.close();
    }
  });

  it(`the undici package's request (the DingTalk client's JSON calls, so card calls' departures): the same two messages`, async () => {
    const send = proxiedRequest({ configured: false, proxyFor: () => undefined });
    const get = () => send(new URL(url), { method: 'GET', headers: {}, signal: AbortSignal.timeout(5000) }).then(readText);
    expectReliedOnShapes(await observe(get));
    let departures = 0;
    await trackDepartures(() => (departures += 1), get);
    expect(departures).toBe(1);
  });

  it(`modelFetch (the model SDK's requests, over the undici package's request): the same two messages`, async () => {
    const send = modelFetch({ configured: false, proxyFor: () => undefined });
    const get = () => send(url, { method: 'GET', signal: AbortSignal.timeout(5000) }).then(readText);
    expectReliedOnShapes(await observe(get));
    let departures = 0;
    await trackDepartures(() => (departures += 1), get);
    expect(departures).toBe(1);
  });
});
