import { pino, type Logger, type LoggerOptions } from 'pino';

/**
 * Paths pino blanks in every line. A `sessionWebhook` URL is itself a credential (its `session`
 * query), so it is redacted like the API keys.
 */
export const REDACTED_PATHS = [
  'sessionWebhook',
  '*.sessionWebhook',
  'data.sessionWebhook',
  'job.data.sessionWebhook',
  'headers.sign',
  '*.headers.sign',
  'req.headers.sign',
  'req.headers.authorization',
  'headers.authorization',
  'apiKey',
  '*.apiKey',
  'appSecret',
  '*.appSecret',
  'accessToken',
  '*.accessToken',
  // Stream mode: the single-use ticket of a connection, and the secret that obtains one.
  'ticket',
  '*.ticket',
  'clientSecret',
  '*.clientSecret',
  'OPENAI_API_KEY',
  'AZURE_OPENAI_API_KEY',
  'DINGTALK_APP_SECRET',
  'DINGTALK_CREDENTIALS',
  'DASHBOARD_PASSWORD',
  '*.OPENAI_API_KEY',
  '*.AZURE_OPENAI_API_KEY',
  'headers["api-key"]',
  '*.headers["api-key"]',
  '*.DINGTALK_APP_SECRET',
  '*.DINGTALK_CREDENTIALS',
  '*.DASHBOARD_PASSWORD',
];

/**
 * A JSON logger for one app. By default lines go to stdout asynchronously (lines logged while a
 * write is in flight go out together): a synchronous write per line costs the gateway a large
 * share of its acks per second. pino flushes what is buffered when the process exits.
 */
export function createLogger(name: string, level: string, destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    name,
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}

export type { Logger };
