import type { FeedbackRow } from '@dtbot/shared';
import type { DayUsage, QuotaLimits } from '../quota/daily-quotas.js';
import type { BudgetState } from '../usage/daily-budget.js';
import type { UsagePeriod } from '../usage/usage-ledger.js';
import type { UsageRow, UsageTotals } from '../usage/usage-totals.js';

/** Everything `/usage` shows an admin about one robot. */
export interface UsageReportView {
  timeZone: string;
  /** Tokens, pictures and estimated cost today, and over the last days. */
  today: UsagePeriod;
  period: UsagePeriod;
  /** Today's spend against the budgets of this robot; undefined when none is set. */
  budget: BudgetState | undefined;
  /** Today's questions as the quotas count them (admins and VIPs not counted). */
  questions: DayUsage;
  limits: Pick<QuotaLimits, 'userDaily' | 'groupDaily'>;
  /** The robot's ratings of its answers, by model and persona (each person's latest vote once); none when absent. */
  feedback?: readonly FeedbackRow[];
}

/** Rows per top list: enough to see who spends, short enough for a chat message. */
const TOP_ROWS = 5;
/** "Near their quota": at least this share of it used. */
export const NEAR_QUOTA = 0.8;

const integer = (value: number) => Math.round(value).toLocaleString('en-US');
const percent = (part: number, whole: number) => `${((part / whole) * 100).toFixed(1)}%`;
const shortDay = (day: string) => day.slice(5);

/** Dollars with the precision a figure needs: `$12.50`, `$0.0420`, and two digits of a small one, `$0.000018`. */
export function usd(value: number): string {
  if (value >= 1) return `$${value.toFixed(2)}`;
  if (value >= 0.01) return `$${value.toFixed(4)}`;
  if (value <= 0) return '$0';
  return `$${value.toFixed(Math.min(10, 1 - Math.floor(Math.log10(value))))}`;
}

/** What `/usage` shows an admin: today and the last days (totals, cost, top users and groups), the budgets, the quotas. */
export function usageReport(view: UsageReportView): string {
  const { today, period } = view;
  const lines = [
    `### 用量（${today.days[0]}，${view.timeZone}）`,
    `**今日**：${totalsText(today.total)}`,
    ...(view.budget ? [budgetLine(view.budget)] : []),
    ...topLines('今日用量最多的用户', today.users),
    ...topLines('今日用量最多的群', today.groups),
    '',
    `**近 ${period.days.length} 天**（${shortDay(period.days[0]!)} 至 ${shortDay(period.days.at(-1)!)}）：${totalsText(period.total)}`,
    ...(period.models.length > 0 ? [`- 模型：${period.models.map(modelText).join('；')}`] : []),
    ...unpricedLines(period.models),
    ...topLines(`近 ${period.days.length} 天用量最多的用户`, period.users),
    ...topLines(`近 ${period.days.length} 天用量最多的群`, period.groups),
    ...feedbackLines(view.feedback ?? []),
    '',
    ...questionLines(view),
  ];
  return lines.join('\n');
}

/** The ratings, most rated first: model, persona, 👍 and 👎. */
function feedbackLines(rows: readonly FeedbackRow[]): string[] {
  if (rows.length === 0) return [];
  const shown = rows.slice(0, TOP_ROWS).map((row) => `${row.model}（${row.persona || '默认'}）👍 ${integer(row.up)} 👎 ${integer(row.down)}`);
  return [`- 评价：${shown.join('；')}`];
}

function totalsText(total: UsageTotals): string {
  if (total.calls + total.images === 0) return '暂无';
  const made = [`模型 ${integer(total.calls)} 次`, ...(total.images > 0 ? [`图片 ${integer(total.images)} 张`] : [])].join('、');
  return `${made}；tokens 输入 ${integer(total.tokensIn)} / 输出 ${integer(total.tokensOut)}；估算费用 ${usd(total.costUsd)}`;
}

function budgetLine(budget: BudgetState): string {
  const parts: string[] = [];
  if (budget.deployment) parts.push(`全部机器人 ${usd(budget.deployment.spentUsd)} / ${usd(budget.deployment.limitUsd)}（${percent(budget.deployment.spentUsd, budget.deployment.limitUsd)}）`);
  if (budget.robot) parts.push(`本机器人 ${usd(budget.robot.spentUsd)} / ${usd(budget.robot.limitUsd)}（${percent(budget.robot.spentUsd, budget.robot.limitUsd)}）`);
  const spent = [budget.deployment, budget.robot].some((each) => each && each.spentUsd >= each.limitUsd);
  return `- 今日预算：${parts.join('；')}${spent ? '。**已用完**：只回答管理员，00:00 恢复' : ''}`;
}

function topLines(title: string, rows: readonly UsageRow[]): string[] {
  if (rows.length === 0) return [];
  return [`**${title}**`, ...rows.slice(0, TOP_ROWS).map((row, index) => `${index + 1}. ${nameOf(row)}：${rowText(row)}`)];
}

const nameOf = (row: { id: string; name: string }) => (row.name === row.id ? `\`${row.id}\`` : `${row.name}（\`${row.id}\`）`);

function rowText(row: UsageRow): string {
  const tokens = `${integer(row.tokensIn + row.tokensOut)} tokens`;
  return [usd(row.costUsd), tokens, ...(row.images > 0 ? [`图片 ${integer(row.images)} 张`] : [])].join('，');
}

function modelText(row: UsageRow): string {
  const made = row.images > 0 ? `图片 ${integer(row.images)} 张` : `${integer(row.calls)} 次`;
  return `${row.id} ${row.unpriced > 0 && row.costUsd === 0 ? '未计价' : usd(row.costUsd)}（${made}）`;
}

/** Calls no price table knows: their cost is missing from every figure, and from the budget. */
function unpricedLines(models: readonly UsageRow[]): string[] {
  const unpriced = models.filter((row) => row.unpriced > 0);
  if (unpriced.length === 0) return [];
  const list = unpriced.map((row) => `${row.id}（${integer(row.unpriced)} 次）`).join('、');
  return [`- 未计价：${list}。费用和预算不含它们，请在 MODEL_PRICES 中设置价格。`];
}

function questionLines({ questions, limits }: UsageReportView): string[] {
  const total = questions.users.reduce((sum, user) => sum + user.count, 0);
  const limitText = [
    limits.userDaily > 0 ? `每人每天 ${limits.userDaily} 次` : '每人不限',
    limits.groupDaily > 0 ? `每群每天 ${limits.groupDaily} 次` : '每群不限',
  ].join('，');
  const near = (list: DayUsage['users'], limit: number) => (limit > 0 ? list.filter((entry) => entry.count >= limit * NEAR_QUOTA) : []);
  const nearUsers = near(questions.users, limits.userDaily);
  const nearGroups = near(questions.groups, limits.groupDaily);
  const lines = [`**今日提问次数**（${limitText}；管理员和 VIP 不计）：${total} 次，${questions.users.length} 人，${questions.groups.length} 个群。`];
  if (nearUsers.length + nearGroups.length > 0) {
    lines.push(`**接近上限**（已用 ${NEAR_QUOTA * 100}% 以上）`);
    for (const user of nearUsers) lines.push(`- ${nameOf(user)}：${user.count} / ${limits.userDaily} 次${mark(user.count, limits.userDaily)}`);
    for (const group of nearGroups) lines.push(`- 群 ${nameOf(group)}：${group.count} / ${limits.groupDaily} 次${mark(group.count, limits.groupDaily)}`);
  }
  return lines;
}

function mark(count: number, limit: number): string {
  if (count >= limit) return '（已达上限）';
  return count >= limit * NEAR_QUOTA ? '（接近上限）' : '';
}
