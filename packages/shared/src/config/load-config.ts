import type { z } from 'zod';
import { applyAliases } from './aliases.js';
import { withoutEmpty } from './env-types.js';
import { withProxyVariables } from './proxy-variables.js';
import { retiredSettingsIn, type RetiredSetting } from './retired-settings.js';
import { hasHashTag } from '../redis/queue-shards.js';
import { PLAYGROUND_WEBHOOK_ORIGIN } from '../playground/playground-webhook.js';
import { conflictingAppKeys, robotsFromConfig, robotsWithoutSecret } from '../robots/robots.js';
import { commonSchema, gatewaySchema, workerSchema, type GatewayConfig, type WorkerConfig } from './schema.js';

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
  /** Settings of earlier versions still set, now constants: logged once at start-up as not read. */
  retiredSet: RetiredSetting[];
}

function parseWith<S extends z.ZodType>(
  schema: S,
  source: Record<string, string | undefined>,
  extraChecks: (env: Record<string, string>) => string[] = () => [],
): Loaded<z.infer<S>> {
  const { env, used } = applyAliases(withProxyVariables(withoutEmpty(source)));
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
  return { config: parsed.data, aliasesUsed: used, retiredSet: retiredSettingsIn(env) };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * What the gateway's robots need for its mode: a secret to check HTTP callbacks with; an AppKey
 * and AppSecret for every robot's Stream connection, sent only over HTTPS; one AppSecret per AppKey.
 */
function robotProblems(env: Record<string, string>): string[] {
  const settings = gatewaySchema
    .pick({
      NODE_ENV: true,
      PLAYGROUND: true,
      DINGTALK_MODE: true,
      DINGTALK_APP_KEY: true,
      DINGTALK_APP_SECRET: true,
      DINGTALK_CREDENTIALS: true,
      DINGTALK_API_BASE_URL: true,
      MEMORY_SCOPE: true,
      ROBOTS_FILE: true,
    })
    .safeParse(env);
  // The schema names what is wrong with these variables themselves.
  if (!settings.success) return [];
  const { DINGTALK_MODE: mode, DINGTALK_APP_KEY: appKey, DINGTALK_APP_SECRET: appSecret } = settings.data;
  const robots = robotsFromConfig(settings.data);
  const problems: string[] = [];
  const stream = mode === 'stream' || mode === 'both';
  if (robots.length === 0 && !stream && !(appKey === undefined && playgroundStandsIn(settings.data))) {
    const instead =
      settings.data.NODE_ENV === 'production'
        ? '; with NODE_ENV=production the playground does not stand in for it'
        : settings.data.PLAYGROUND === false
          ? ', or leave PLAYGROUND unset to try the product in the playground'
          : '';
    problems.push(`DINGTALK_APP_SECRET: is required in HTTP mode (or set DINGTALK_CREDENTIALS${instead})`);
  }
  if (stream) {
    if (robots.length === 0 && !appKey) {
      problems.push(`DINGTALK_APP_KEY and DINGTALK_APP_SECRET: are required in ${mode} mode (or set DINGTALK_CREDENTIALS)`);
    } else if (appKey && !appSecret) {
      problems.push(`DINGTALK_APP_SECRET: is required with DINGTALK_APP_KEY in ${mode} mode`);
    } else if (appSecret && !appKey) {
      problems.push(`DINGTALK_APP_KEY: is required with DINGTALK_APP_SECRET in ${mode} mode (the Stream connection is opened with both)`);
    }
    const base = new URL(settings.data.DINGTALK_API_BASE_URL);
    if (base.protocol !== 'https:' && !(base.protocol === 'http:' && LOOPBACK_HOSTS.has(base.hostname))) {
      problems.push(`DINGTALK_API_BASE_URL: must be https in ${mode} mode (the AppSecret is sent to it); http only on this machine`);
    }
  }
  for (const conflict of conflictingAppKeys(robots)) {
    problems.push(`DINGTALK_CREDENTIALS: AppKey ${conflict} is given with two different AppSecrets (here, in DINGTALK_APP_SECRET or in ROBOTS_FILE)`);
  }
  return problems;
}

/** Both apps: every robot `ROBOTS_FILE` lists has an AppSecret, there or in the environment. */
function robotsFileProblems(env: Record<string, string>): string[] {
  const settings = commonSchema
    .pick({ DINGTALK_APP_KEY: true, DINGTALK_APP_SECRET: true, DINGTALK_CREDENTIALS: true, MEMORY_SCOPE: true, ROBOTS_FILE: true })
    .safeParse(env);
  if (!settings.success) return [];
  return robotsWithoutSecret(settings.data).map(
    (appKey) => `ROBOTS_FILE: robot ${appKey} has no AppSecret: give its appSecret in the file, or its pair in DINGTALK_CREDENTIALS`,
  );
}

/**
 * A newcomer without DingTalk credentials gets the playground instead of a stop, unless this is
 * production (where a missing secret is a mistake to stop on) or the playground was turned off.
 */
function playgroundStandsIn(settings: { NODE_ENV?: string | undefined; PLAYGROUND?: boolean | undefined }): boolean {
  return settings.NODE_ENV !== 'production' && settings.PLAYGROUND !== false;
}

/** A DingTalk message's webhook must never be taken for a playground's. */
function playgroundOriginProblems(env: Record<string, string>): string[] {
  const settings = commonSchema.pick({ DINGTALK_WEBHOOK_ORIGINS: true }).safeParse(env);
  if (!settings.success) return [];
  const origins = settings.data.DINGTALK_WEBHOOK_ORIGINS.map((origin) => new URL(origin).origin);
  if (!origins.includes(PLAYGROUND_WEBHOOK_ORIGIN)) return [];
  return [`DINGTALK_WEBHOOK_ORIGINS: must not include ${PLAYGROUND_WEBHOOK_ORIGIN}, the playground's: it names no DingTalk address`];
}

/** The dashboard is on with both of its credentials and off with neither; one alone is a mistake. */
function dashboardProblems(env: Record<string, string>): string[] {
  if ((env.DASHBOARD_USERNAME === undefined) === (env.DASHBOARD_PASSWORD === undefined)) return [];
  const missing = env.DASHBOARD_USERNAME === undefined ? 'DASHBOARD_USERNAME' : 'DASHBOARD_PASSWORD';
  const given = missing === 'DASHBOARD_USERNAME' ? 'DASHBOARD_PASSWORD' : 'DASHBOARD_USERNAME';
  return [`${missing}: is required when ${given} is set (set both to serve the dashboard, neither to turn it off)`];
}

/** The fallback provider is a base URL and its key: one without the other is a mistake. */
function fallbackProblems(env: Record<string, string>): string[] {
  const problems: string[] = [];
  if (env.OPENAI_FALLBACK_BASE_URL !== undefined && env.OPENAI_FALLBACK_API_KEY === undefined) {
    problems.push('OPENAI_FALLBACK_API_KEY: is required with OPENAI_FALLBACK_BASE_URL');
  }
  for (const name of ['OPENAI_FALLBACK_API_KEY', 'OPENAI_FALLBACK_MODEL']) {
    if (env[name] !== undefined && env.OPENAI_FALLBACK_BASE_URL === undefined) {
      problems.push(`OPENAI_FALLBACK_BASE_URL: is required with ${name} (the fallback provider's address)`);
    }
  }
  return problems;
}

/** Shards are told apart by their hash tags, each made from the one in the prefix. */
function shardProblems(env: Record<string, string>): string[] {
  const shards = Number(env.QUEUE_SHARDS ?? 1);
  const prefix = env.REDIS_PREFIX ?? '{dtbot}';
  if (!(shards > 1) || hasHashTag(prefix)) return [];
  return [`REDIS_PREFIX: needs a {hash tag} (such as {dtbot}) when QUEUE_SHARDS is more than 1; each shard's tag is made from it`];
}

export function loadGatewayConfig(source: Record<string, string | undefined> = process.env): Loaded<GatewayConfig> {
  const loaded = parseWith(gatewaySchema, source, (env) => [
    ...robotProblems(env),
    ...robotsFileProblems(env),
    ...dashboardProblems(env),
    ...playgroundOriginProblems(env),
    ...shardProblems(env),
  ]);
  // Without robots the checks above passed only because the playground stands in for them.
  const playground = loaded.config.PLAYGROUND ?? robotsFromConfig(loaded.config).length === 0;
  return { ...loaded, config: { ...loaded.config, PLAYGROUND: playground } };
}

export function loadWorkerConfig(source: Record<string, string | undefined> = process.env): Loaded<WorkerConfig> {
  return parseWith(workerSchema, source, (env) => {
    const required =
      env.OPENAI_PROVIDER === 'azure'
        ? ['AZURE_OPENAI_ENDPOINT', 'AZURE_OPENAI_API_KEY']
        : env.OPENAI_PROVIDER === 'dify'
          ? ['DIFY_BASE_URL', 'DIFY_API_KEY']
          : ['OPENAI_API_KEY'];
    const context = env.OPENAI_PROVIDER === 'azure' || env.OPENAI_PROVIDER === 'dify' ? ` with OPENAI_PROVIDER=${env.OPENAI_PROVIDER}` : '';
    const missing = required.filter((name) => env[name] === undefined).map((name) => `${name}: is required${context}`);
    return [...missing, ...robotsFileProblems(env), ...playgroundOriginProblems(env), ...fallbackProblems(env), ...shardProblems(env)];
  });
}
