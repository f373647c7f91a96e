import type { z } from 'zod';
import { applyAliases } from './aliases.js';
import { withoutEmpty } from './env-types.js';
import { gatewaySchema, workerSchema, type GatewayConfig, type WorkerConfig } from './schema.js';

/** Thrown at start-up; its message names every bad variable, one per line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

export interface Loaded<T> {
  config: T;
  /** chatgpt-dingtalk names that were read, to be logged once at start-up. */
  aliasesUsed: { theirs: string; ours: string }[];
}

function parseWith<S extends z.ZodType>(
  schema: S,
  source: Record<string, string | undefined>,
  extraChecks: (env: Record<string, string>) => string[] = () => [],
): Loaded<z.infer<S>> {
  const { env, used } = applyAliases(withoutEmpty(source));
  const parsed = schema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const name = issue.path.join('.') || '(environment)';
        const message = issue.code === 'invalid_type' && env[name] === undefined ? 'is required' : issue.message;
        return `${name}: ${message}`;
      });
  problems.push(...extraChecks(env));
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  return { config: parsed.data, aliasesUsed: used };
}

/** The robots this deployment answers for, from DINGTALK_CREDENTIALS or the single AppKey/AppSecret pair. */
export function robotCredentials(config: {
  DINGTALK_APP_KEY?: string | undefined;
  DINGTALK_APP_SECRET?: string | undefined;
  DINGTALK_CREDENTIALS?: string[] | undefined;
}): { appKey: string | undefined; appSecret: string }[] {
  const list: { appKey: string | undefined; appSecret: string }[] = [];
  if (config.DINGTALK_APP_SECRET) list.push({ appKey: config.DINGTALK_APP_KEY, appSecret: config.DINGTALK_APP_SECRET });
  for (const pair of config.DINGTALK_CREDENTIALS ?? []) {
    const separator = pair.indexOf(':');
    if (separator > 0) list.push({ appKey: pair.slice(0, separator), appSecret: pair.slice(separator + 1) });
  }
  return list;
}

export function loadGatewayConfig(source: Record<string, string | undefined> = process.env): Loaded<GatewayConfig> {
  return parseWith(gatewaySchema, source, (env) => {
    const problems: string[] = [];
    const pairs = (env.DINGTALK_CREDENTIALS ?? '').split(',').filter((pair) => pair.trim() !== '');
    if (!env.DINGTALK_APP_SECRET && pairs.length === 0) {
      problems.push('DINGTALK_APP_SECRET: is required in HTTP mode (or set DINGTALK_CREDENTIALS)');
    }
    // Never echo the pair itself: it holds a secret.
    pairs.forEach((pair, index) => {
      if (pair.indexOf(':') <= 0) problems.push(`DINGTALK_CREDENTIALS: item ${index + 1} is not appKey:appSecret`);
    });
    return problems;
  });
}

export function loadWorkerConfig(source: Record<string, string | undefined> = process.env): Loaded<WorkerConfig> {
  return parseWith(workerSchema, source);
}
