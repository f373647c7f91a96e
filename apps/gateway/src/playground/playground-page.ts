import { readFileSync } from 'node:fs';

/** The page's files, beside the app's source and build alike (`apps/gateway/public/playground`). */
const PAGE_DIR = new URL('../../public/playground/', import.meta.url);

const ASSETS = {
  'playground.js': 'text/javascript; charset=utf-8',
  'playground.css': 'text/css; charset=utf-8',
} as const;

export interface PageFile {
  type: string;
  body: Buffer;
}

/** The single page and its two assets, read once when the playground is built. */
export interface PlaygroundPage {
  html: PageFile;
  asset(name: string): PageFile | undefined;
}

export function loadPlaygroundPage(): PlaygroundPage {
  const read = (name: string) => readFileSync(new URL(name, PAGE_DIR));
  const assets = new Map<string, PageFile>(Object.entries(ASSETS).map(([name, type]) => [name, { type, body: read(name) }]));
  return {
    html: { type: 'text/html; charset=utf-8', body: read('index.html') },
    asset: (name) => assets.get(name),
  };
}

/**
 * The page runs only its own script and style and talks only to this gateway; answers are
 * rendered without raw HTML, and this policy stops a script even if one slipped through. Pictures
 * in answers may come from anywhere, as in a chat client.
 */
export const PAGE_SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src * data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;
