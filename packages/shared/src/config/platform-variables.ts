import { z } from 'zod';
import { proxyUrl } from './env-types.js';

/**
 * Variables of the platform rather than settings of ours: the proxy variables every HTTP client honours, and Node's
 * `NODE_ENV`. The processes honour them as the conventions say, so they are read with the settings (merged into
 * `commonSchema`), but they are listed apart from them: the README's "Standard variables the processes honour",
 * not its settings table.
 */
export const platformSchema = z.object({
  HTTP_PROXY: proxyUrl()
    .optional()
    .describe('proxy for outgoing requests (model, DingTalk, Stream); also for https when HTTPS_PROXY is unset; http_proxy too'),
  HTTPS_PROXY: proxyUrl().optional().describe('proxy for outgoing https and wss requests; https_proxy too'),
  NO_PROXY: z
    .string()
    .transform((value) => value.split(/[\s,]+/).filter((item) => item.length > 0))
    .optional()
    .describe('hosts reached without the proxy: host (and its subdomains), .host, host:port, an IP range, * for all; no_proxy too'),
  NODE_ENV: z
    .string()
    .optional()
    .describe('production: a gateway without DingTalk credentials stops instead of opening the playground, and log lines stay JSON at a terminal'),
});

/** The platform's variables the processes honour, none of them a setting of ours. */
export function platformVariableNames(): string[] {
  return Object.keys(platformSchema.shape);
}
