import type { Agent } from 'node:http';
import { HttpsProxyAgent } from 'https-proxy-agent';
import type { ProxyRules } from '@dtbot/shared';

/**
 * The agent a Stream WebSocket connects with: a CONNECT tunnel through the proxy the rules name for
 * its endpoint (TLS to DingTalk then runs inside the tunnel), or none for a direct connection.
 */
export function webSocketAgent(rules: ProxyRules | undefined, endpoint: URL): Agent | undefined {
  const proxy = rules?.proxyFor(endpoint);
  return proxy === undefined ? undefined : new HttpsProxyAgent(proxy);
}
