import { z } from 'zod';
import { ROBOT_MESSAGE_TOPIC, CARD_CALLBACK_TOPIC } from './stream-frames.js';

export interface StreamCredentials {
  appKey: string;
  appSecret: string;
}

export interface EndpointRequestOptions {
  /** `DINGTALK_API_BASE_URL`: the only host the AppSecret is sent to. */
  apiBaseUrl: string;
  timeoutMs: number;
  /** Through the configured proxy, if any (`proxiedFetch`). Default: Node's `fetch`. */
  fetch?: typeof fetch;
}

const openAnswerSchema = z.object({ endpoint: z.string().min(1), ticket: z.string().min(1) });
const errorAnswerSchema = z.object({ code: z.string().optional() });

/** `connections/open` was refused or failed; its message never holds the secret or a ticket. */
export class StreamOpenError extends Error {
  override readonly name = 'StreamOpenError';
}

/**
 * Registers a Stream connection (`POST {apiBase}/v1.0/gateway/connections/open`, subscribed to robot
 * messages and to presses of the buttons of its AI cards) and returns the WebSocket URL to open: the endpoint DingTalk named, with the
 * single-use ticket. A ticket is good for one connection within 90 s, so every connect asks again.
 */
export async function requestStreamEndpoint(credentials: StreamCredentials, options: EndpointRequestOptions): Promise<URL> {
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(new URL('/v1.0/gateway/connections/open', options.apiBaseUrl), {
      method: 'POST',
      // Without `Accept: application/json` DingTalk may answer in XML.
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        clientId: credentials.appKey,
        clientSecret: credentials.appSecret,
        subscriptions: [
          { type: 'CALLBACK', topic: ROBOT_MESSAGE_TOPIC },
          { type: 'CALLBACK', topic: CARD_CALLBACK_TOPIC },
        ],
        ua: 'dtbot-gateway',
      }),
      // Followed, a 307 would post the AppSecret to wherever it pointed; DingTalk answers where it is asked.
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    throw new StreamOpenError(`connections/open failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel().catch(() => undefined);
    throw new StreamOpenError(`connections/open answered a redirect (HTTP ${response.status}); not followed`);
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const code = errorAnswerSchema.safeParse(body).data?.code;
    throw new StreamOpenError(`connections/open answered HTTP ${response.status}${code ? ` ${code}` : ''}`);
  }
  const answer = openAnswerSchema.safeParse(body);
  if (!answer.success) throw new StreamOpenError('connections/open answered without endpoint and ticket');
  const endpoint = allowedEndpoint(answer.data.endpoint, options.apiBaseUrl);
  endpoint.searchParams.set('ticket', answer.data.ticket);
  return endpoint;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The endpoint must be `wss:`. Plain `ws:` is allowed only when the API base itself is plain HTTP on
 * this machine, i.e. a test's fake DingTalk; a real one never hands out an unencrypted endpoint.
 */
export function allowedEndpoint(endpoint: string, apiBaseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new StreamOpenError('connections/open answered an endpoint that is not a URL');
  }
  const base = new URL(apiBaseUrl);
  const testing = base.protocol === 'http:' && LOOPBACK.has(base.hostname) && LOOPBACK.has(url.hostname);
  if (url.protocol === 'wss:' || (url.protocol === 'ws:' && testing)) return url;
  throw new StreamOpenError(`connections/open answered a ${url.protocol} endpoint; only wss: is used`);
}
