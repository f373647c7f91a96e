import type { ListenChoice } from '../listen-host.js';
import { PLAYGROUND_PATH } from './playground-routes.js';

/** The playground's address as a browser on this machine opens it, and the line that tells where it is and who can reach it. */
export function playgroundStartLine(listen: ListenChoice, port: number): { url: string; line: string } {
  const url = `http://${browsableHost(listen.host)}:${port}${PLAYGROUND_PATH}`;
  if (listen.loopbackBecause) {
    return { url, line: `playground at ${url} (loopback only: ${listen.loopbackBecause}; set DINGTALK_APP_SECRET to take DingTalk's messages)` };
  }
  return { url, line: `playground on at ${url}` };
}

/** "Every interface" is no address to open: this machine's own is. */
function browsableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
