import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';

/**
 * Tells when an HTTP request made inside `run` actually leaves: when its headers are written to the
 * socket, after the HTTP client was loaded, a connection opened and the event loop got round to it.
 * undici (Node's `fetch`, and the `undici` package's `request` under the model SDK and the DingTalk
 * client) publishes both moments on diagnostics channels: `undici:request:create` runs in the
 * caller's async context, where this module finds whom to tell, and `undici:client:sendHeaders`
 * runs when the request is written.
 *
 * A client that is not undici publishes nothing; `onDeparture` is then never called. These channels
 * are undici's internals, not a public API: `undici-diagnostics.test.ts` pins the undici versions
 * they were checked against (see docs/undici-diagnostics.md).
 */
const departureOfCaller = new AsyncLocalStorage<() => void>();
const departureOfRequest = new WeakMap<object, () => void>();
let listening = false;

/** The two undici diagnostics channels this module listens on. */
export const UNDICI_CHANNELS = {
  /** Published with `{ request }` as a request is made, in the caller's async context. */
  requestCreated: 'undici:request:create',
  /** Published with the same `request` object when its headers are written to the socket. */
  headersSent: 'undici:client:sendHeaders',
} as const;

interface UndiciRequestMessage {
  request: object;
}

function listen(): void {
  if (listening) return;
  listening = true;
  diagnostics.subscribe(UNDICI_CHANNELS.requestCreated, (message) => {
    const onDeparture = departureOfCaller.getStore();
    if (onDeparture) departureOfRequest.set((message as UndiciRequestMessage).request, onDeparture);
  });
  diagnostics.subscribe(UNDICI_CHANNELS.headersSent, (message) => {
    const { request } = message as UndiciRequestMessage;
    const onDeparture = departureOfRequest.get(request);
    if (!onDeparture) return;
    departureOfRequest.delete(request);
    onDeparture();
  });
}

/** Runs `run`; `onDeparture` is called (synchronously, keep it short) as each request it makes leaves. */
export function trackDepartures<T>(onDeparture: () => void, run: () => Promise<T>): Promise<T> {
  listen();
  return departureOfCaller.run(onDeparture, run);
}
