import { applyAliases } from './aliases.js';
import { withoutEmpty } from './env-types.js';
import { gatewaySchema, workerSchema } from './schema.js';

/** The settings `npm start` reads itself, as text: what was set, or the schema's default. */
export interface StartSettings {
  /** The gateway's HTTP port, for the line that says where it listens. */
  PORT: string;
  /** The gateway's `/metrics` port (its `METRICS_PORT`), given to it and named on the same line. */
  gatewayMetricsPort: string;
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
    gatewayMetricsPort: gatewayMetricsPort(env.METRICS_PORT),
    METRICS_PORT: env.METRICS_PORT ?? String(workerSchema.shape.METRICS_PORT.parse(undefined)),
    DINGTALK_MODE: env.DINGTALK_MODE ?? gatewaySchema.shape.DINGTALK_MODE.parse(undefined),
  };
}

/**
 * `npm start` runs the gateway and the workers with one environment, where `METRICS_PORT` (each process's own
 * metrics port) can mean only one of them: the workers', as it always did. The gateway then takes the port below
 * the first worker's, which is where the two defaults stand (9463, 9464); 0 (any free port) stays 0 for all.
 */
function gatewayMetricsPort(workerPort: string | undefined): string {
  if (workerPort === undefined) return String(gatewaySchema.shape.METRICS_PORT.parse(undefined));
  const parsed = workerSchema.shape.METRICS_PORT.safeParse(workerPort);
  // A value the schema refuses is the workers' to name; the gateway keeps its own default meanwhile.
  if (!parsed.success) return String(gatewaySchema.shape.METRICS_PORT.parse(undefined));
  return String(Math.max(parsed.data - 1, 0));
}
