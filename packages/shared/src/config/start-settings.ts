import { applyAliases } from './aliases.js';
import { withoutEmpty } from './env-types.js';
import { gatewaySchema, workerSchema } from './schema.js';

/** The settings `npm start` reads itself, as text: what was set, or the schema's default. */
export interface StartSettings {
  /** The gateway's HTTP port, for the line that says where it listens. */
  PORT: string;
  /** The gateway's `/metrics` port, for the same line. */
  GATEWAY_METRICS_PORT: string;
  /** The first worker's metrics port; several workers get it, it + 1, ... */
  METRICS_PORT: string;
  /** How messages come in (`http`, `stream` or `both`), for the line that says where. */
  DINGTALK_MODE: string;
}

/**
 * The few settings `scripts/start.mjs` needs before the apps read their config, read from `source` as the apps will
 * read them (an empty variable is unset; chatgpt-dingtalk's `RUN_MODE` stands for `DINGTALK_MODE`) with the schema's
 * defaults, so a default is written once. A value the schema refuses is passed on as written, not replaced: the app
 * that reads it stops and names it, as it did before start read anything.
 */
export function startSettings(source: Record<string, string | undefined>): StartSettings {
  const { env } = applyAliases(withoutEmpty(source));
  return {
    PORT: env.PORT ?? String(gatewaySchema.shape.PORT.parse(undefined)),
    GATEWAY_METRICS_PORT: env.GATEWAY_METRICS_PORT ?? String(gatewaySchema.shape.GATEWAY_METRICS_PORT.parse(undefined)),
    METRICS_PORT: env.METRICS_PORT ?? String(workerSchema.shape.METRICS_PORT.parse(undefined)),
    DINGTALK_MODE: env.DINGTALK_MODE ?? gatewaySchema.shape.DINGTALK_MODE.parse(undefined),
  };
}
