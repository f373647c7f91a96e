import { Gauge } from 'prom-client';
import type { WorkerMetrics } from '../metrics.js';
import { ALL_ROBOTS, type DailyBudget } from './daily-budget.js';
import type { UsageLedger } from './usage-ledger.js';

/**
 * `dtbot_worker_budget_used_ratio{robot}`: today's estimated spend over each daily budget, read from
 * Redis when `/metrics` is scraped (one read, none when no budget is set), so it drops back to 0 at
 * local midnight even when no message comes. 1 or more = the budget is spent and only admins are
 * answered: an alert's condition. Every worker reports the same figure.
 */
export function registerBudgetGauge(
  metrics: WorkerMetrics,
  usage: Pick<UsageLedger, 'spentTodayByRobot'>,
  budget: Pick<DailyBudget, 'limits'>,
  robotCodes: readonly string[],
  /** A robot's label (`robotMetricLabel`): its name, or a digest of its code, never the AppKey. */
  labelOf: (robotCode: string) => string,
): Gauge<'robot'> {
  return new Gauge({
    name: 'dtbot_worker_budget_used_ratio',
    help:
      "Today's estimated model spend over a daily budget, by robot (all = BUDGET_DAILY_USD for every robot together); " +
      '1 or more = the budget is spent and only admins are answered until local midnight',
    labelNames: ['robot'] as const,
    registers: [metrics.registry],
    async collect() {
      const limits = budget.limits(robotCodes);
      this.reset();
      if (limits.length === 0) return;
      // Without Redis the series are left out for this scrape rather than failing the whole page.
      const spent = await usage.spentTodayByRobot().catch(() => undefined);
      if (!spent) return;
      const all = Object.values(spent).reduce((sum, value) => sum + value, 0);
      for (const { robot, limitUsd } of limits) {
        this.set({ robot: robot === ALL_ROBOTS ? ALL_ROBOTS : labelOf(robot) }, (robot === ALL_ROBOTS ? all : (spent[robot] ?? 0)) / limitUsd);
      }
    },
  });
}
