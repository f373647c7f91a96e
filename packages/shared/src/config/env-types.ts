import { z } from 'zod';

/** Comma-separated list → trimmed, non-empty items. */
export const csv = () =>
  z.string().transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

export const integer = (min = 0) => z.coerce.number().int().min(min);

/** Whether `Intl` knows the time zone (`Asia/Shanghai`, `UTC`, …). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** `true`/`false` (also `1`/`0`, `yes`/`no`); anything else is an error, never silently false. */
export const flag = () =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** An http:// or https:// proxy URL (undici, which carries our requests, speaks no SOCKS). */
export const proxyUrl = () =>
  z
    .string()
    .url()
    .refine((value) => /^https?:$/.test(new URL(value).protocol), 'must be an http:// or https:// proxy URL (SOCKS is not supported)');

/** An empty variable (`FOO=`) counts as unset, as operators expect from `.env` files. */
export function withoutEmpty(env: Record<string, string | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') result[key] = value.trim();
  }
  return result;
}

export interface CredentialPair {
  appKey: string;
  appSecret: string;
}

/**
 * `appKey:appSecret,appKey:appSecret` (chatgpt-dingtalk's `DINGTALK_CREDENTIALS`). A bad item is
 * named by its position, never echoed: it holds a secret.
 */
export const credentialPairs = () =>
  csv().transform((items, ctx) => {
    const pairs: CredentialPair[] = [];
    items.forEach((item, index) => {
      const separator = item.indexOf(':');
      const appKey = item.slice(0, separator).trim();
      const appSecret = item.slice(separator + 1).trim();
      if (separator < 0 || appKey === '' || appSecret === '') {
        ctx.addIssue({ code: 'custom', message: `item ${index + 1} is not appKey:appSecret` });
      } else {
        pairs.push({ appKey, appSecret });
      }
    });
    return pairs;
  });

/** A price an operator sets for a model (`MODEL_PRICES`), in US dollars. */
export type ModelPrice =
  | { kind: 'tokens'; inputPerMillion: number; outputPerMillion: number }
  | { kind: 'image'; perImage: number };

const PRICE = /^\d+(?:\.\d+)?$/;

/**
 * `model=inputPerMillion/outputPerMillion` for chat models and `model=pricePerImage/image` for
 * image models, comma-separated: `qwen-plus=0.11/0.28,dall-e-3=0.04/image`. A model's name may
 * hold `/` (`deepseek-ai/DeepSeek-V3`), so the price starts after the last `=`.
 */
export const modelPrices = () =>
  csv().transform((items, ctx) => {
    const prices: Record<string, ModelPrice> = {};
    items.forEach((item, index) => {
      const separator = item.lastIndexOf('=');
      const model = item.slice(0, separator).trim();
      const [first = '', second = '', ...rest] = item.slice(separator + 1).split('/').map((part) => part.trim());
      const problem = (why: string) => ctx.addIssue({ code: 'custom', message: `item ${index + 1} (${item}) ${why}` });
      if (separator <= 0 || model === '' || rest.length > 0 || !PRICE.test(first) || !(second === 'image' || PRICE.test(second))) {
        return problem('is not model=inputPerMillion/outputPerMillion or model=pricePerImage/image');
      }
      if (Object.hasOwn(prices, model)) return problem(`prices ${model} a second time`);
      prices[model] =
        second === 'image'
          ? { kind: 'image', perImage: Number(first) }
          : { kind: 'tokens', inputPerMillion: Number(first), outputPerMillion: Number(second) };
    });
    return prices;
  });

/** A tool server's name: it prefixes its tools' names for the model and labels its metrics, so it is short and plain. */
export const MCP_SERVER_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

export interface NamedUrl {
  name: string;
  url: string;
}

/**
 * `name=url,name=url` (`MCP_SERVERS`). A bad item is named by its position, never echoed: a URL may
 * carry a token in its query.
 */
export const namedUrls = () =>
  csv().transform((items, ctx) => {
    const servers: NamedUrl[] = [];
    items.forEach((item, index) => {
      const separator = item.indexOf('=');
      const name = item.slice(0, separator).trim();
      const url = item.slice(separator + 1).trim();
      if (separator < 0 || !MCP_SERVER_NAME.test(name)) {
        ctx.addIssue({ code: 'custom', message: `item ${index + 1} is not name=url with a name of lower-case letters, digits, _ and - (at most 32)` });
      } else if (!isHttpUrl(url)) {
        ctx.addIssue({ code: 'custom', message: `item ${index + 1} (${name}) has no http or https URL` });
      } else if (servers.some((server) => server.name === name)) {
        ctx.addIssue({ code: 'custom', message: `item ${index + 1}: ${name} is listed twice` });
      } else {
        servers.push({ name, url });
      }
    });
    return servers;
  });

function isHttpUrl(text: string): boolean {
  try {
    return /^https?:$/.test(new URL(text).protocol);
  } catch {
    return false;
  }
}
