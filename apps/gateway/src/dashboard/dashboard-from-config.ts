import type { Middleware } from 'koa';
import type { GatewayConfig, RedisClient, RedisKeys } from '@dtbot/shared';
import type { ShardQueue } from '../shard-stores.js';
import { AuthFailures } from './auth-failures.js';

/**
 * The dashboard the settings ask for, or undefined when its credentials are unset (it is then off). Bull Board is
 * loaded only then: its modules add about 40 MB to a gateway's memory.
 */
export async function dashboardFromConfig(
  config: GatewayConfig,
  queues: readonly ShardQueue[],
  redis: RedisClient,
  keys: RedisKeys,
): Promise<Middleware | undefined> {
  if (!config.DASHBOARD_USERNAME || !config.DASHBOARD_PASSWORD) return undefined;
  const { buildDashboard } = await import('./build-dashboard.js');
  return buildDashboard({
    queues,
    username: config.DASHBOARD_USERNAME,
    password: config.DASHBOARD_PASSWORD,
    readOnly: config.DASHBOARD_READ_ONLY,
    failures: new AuthFailures(redis, keys.dashboardAuthFailures),
  });
}
