import { describe, expect, it } from 'vitest';
import type { UsagePeriod } from '../usage/usage-ledger.js';
import { usageReport, usd, type UsageReportView } from './usage-report.js';

describe('usd', () => {
  it.each([
    [0, '$0'],
    [12.5, '$12.50'],
    [1, '$1.00'],
    [0.042, '$0.0420'],
    [0.01, '$0.0100'],
    [0.0000063, '$0.0000063'],
    [0.00123, '$0.0012'],
  ])('writes %d as %s: two significant digits of a small figure, never "<"', (value, text) => {
    expect(usd(value)).toBe(text);
  });
});

describe('usageReport: who is near their quota', () => {
  const nothing: UsagePeriod = {
    days: ['2026-12-02'],
    total: { tokensIn: 0, tokensOut: 0, calls: 0, images: 0, costUsd: 0, unpriced: 0 },
    models: [],
    users: [],
    groups: [],
  };
  const view = (questions: UsageReportView['questions']): UsageReportView => ({
    timeZone: 'Asia/Shanghai',
    today: nothing,
    period: nothing,
    budget: undefined,
    questions,
    limits: { userDaily: 10, groupDaily: 20 },
  });

  it('lists users and groups from 80 % of their quota, marks who reached it, and leaves out the rest', () => {
    const report = usageReport(
      view({
        day: '2026-12-02',
        users: [
          { id: 'u-full', name: '张三', count: 10 },
          { id: 'u-near', name: '李四', count: 8 },
          { id: 'u-half', name: '王五', count: 5 },
        ],
        groups: [
          { id: 'cid-near', name: '研发群', count: 17 },
          { id: 'cid-quiet', name: '闲聊群', count: 3 },
        ],
      }),
    );
    expect(report).toContain('**接近上限**（已用 80% 以上）');
    expect(report).toContain('- 张三（`u-full`）：10 / 10 次（已达上限）');
    expect(report).toContain('- 李四（`u-near`）：8 / 10 次（接近上限）');
    expect(report).toContain('- 群 研发群（`cid-near`）：17 / 20 次（接近上限）');
    expect(report).not.toContain('王五');
    expect(report).not.toContain('闲聊群');
    expect(report).toContain('**今日提问次数**（每人每天 10 次，每群每天 20 次；管理员和 VIP 不计）：23 次，3 人，2 个群。');
  });

  it('has no near-quota list when nobody is near, or when there is no limit', () => {
    const quiet = { day: '2026-12-02', users: [{ id: 'u', name: '赵六', count: 7 }], groups: [] };
    expect(usageReport(view(quiet))).not.toContain('接近上限');
    expect(usageReport({ ...view({ ...quiet, users: [{ id: 'u', name: '赵六', count: 99 }] }), limits: { userDaily: 0, groupDaily: 0 } })).not.toContain('接近上限');
  });

  it('shows the ratings by model and persona, most rated first, and no line when there are none', () => {
    const quiet = { day: '2026-12-02', users: [], groups: [] };
    const feedback = [
      { model: 'gpt-4o', persona: 'default', up: 12, down: 3 },
      { model: 'qwen-plus', persona: '翻译官', up: 1, down: 0 },
    ];
    expect(usageReport({ ...view(quiet), feedback })).toContain('- 评价：gpt-4o（default）👍 12 👎 3；qwen-plus（翻译官）👍 1 👎 0');
    expect(usageReport(view(quiet))).not.toContain('评价');
  });
});
