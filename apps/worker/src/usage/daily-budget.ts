import type { UsageLedger } from './usage-ledger.js';

/** Stands for every robot together: the deployment's budget (`BUDGET_DAILY_USD`). */
export const ALL_ROBOTS = 'all';

export type BudgetDecision =
  | { reached: false }
  /** Today's estimated spend has reached a budget: the deployment's, or the robot's own; `msToReset` until local midnight. */
  | { reached: true; scope: 'deployment' | 'robot'; limitUsd: number; msToReset: number };

/** Every budget that applies to one robot, and today's spend against each. */
export interface BudgetState {
  deployment: { limitUsd: number; spentUsd: number } | undefined;
  robot: { limitUsd: number; spentUsd: number } | undefined;
  msToReset: number;
}

/**
 * The daily budgets (`BUDGET_DAILY_USD` for every robot together, `budgetDailyUsd` of a robot in
 * `ROBOTS_FILE`), checked against the estimated spend the usage ledger keeps per local day, so a
 * budget starts again at midnight in `QUOTA_TIMEZONE` by itself.
 *
 * The spend is read before a model call and added after it, so workers that pass the check at the
 * same moment may together go past a budget. The overshoot is bounded by the calls already in
 * flight when the spend crossed it (at most `WORKER_CONCURRENCY` per worker, and `OPENAI_RPM`,
 * each costing at most its prompt and a `maxTokens` answer): every call checked after that is
 * refused, and none is started without a check.
 */
export class DailyBudget {
  constructor(
    private readonly ledger: Pick<UsageLedger, 'spentToday'>,
    /** `BUDGET_DAILY_USD`; 0 = none. */
    private readonly deploymentUsd: number,
    /** A robot's own budget; undefined or 0 = none. */
    private readonly robotUsd: (robotCode: string) => number | undefined,
  ) {}

  /** Whether this robot may still spend today: one Redis read when a budget applies, none otherwise. */
  async check(robotCode: string): Promise<BudgetDecision> {
    const state = await this.state(robotCode);
    if (!state) return { reached: false };
    const { deployment, robot, msToReset } = state;
    if (deployment && deployment.spentUsd >= deployment.limitUsd) return { reached: true, scope: 'deployment', limitUsd: deployment.limitUsd, msToReset };
    if (robot && robot.spentUsd >= robot.limitUsd) return { reached: true, scope: 'robot', limitUsd: robot.limitUsd, msToReset };
    return { reached: false };
  }

  /** Today's spend against each budget of this robot; `undefined` when none applies. */
  async state(robotCode: string): Promise<BudgetState | undefined> {
    const robotUsd = this.robotUsd(robotCode) ?? 0;
    if (this.deploymentUsd <= 0 && robotUsd <= 0) return undefined;
    const spent = await this.ledger.spentToday(robotCode);
    return {
      deployment: this.deploymentUsd > 0 ? { limitUsd: this.deploymentUsd, spentUsd: spent.allUsd } : undefined,
      robot: robotUsd > 0 ? { limitUsd: robotUsd, spentUsd: spent.robotUsd } : undefined,
      msToReset: spent.msToMidnight,
    };
  }

  /** The budgets set, the deployment's as `ALL_ROBOTS`: what the budget gauge reports on. */
  limits(robotCodes: readonly string[]): { robot: string; limitUsd: number }[] {
    const own = robotCodes.flatMap((robot) => {
      const limitUsd = this.robotUsd(robot) ?? 0;
      return limitUsd > 0 ? [{ robot, limitUsd }] : [];
    });
    return [...(this.deploymentUsd > 0 ? [{ robot: ALL_ROBOTS, limitUsd: this.deploymentUsd }] : []), ...own];
  }
}
