import { localMinute } from '../counting/local-day.js';
import type { Echo } from '../replies/echo-user-text.js';

/**
 * Every sentence the schedule command answers with (the rest of the fixed sentences are in
 * `replies/canned-replies.ts`). Whatever the user typed reaches them only as an `Echo`.
 */

export function scheduleUsage(word: string): string {
  return [
    '定时任务用法 / Scheduled prompts:',
    `- \`${word} 0 9 * * 1-5 总结昨天的待办\`：添加（分 时 日 月 周，五段 cron）/ add`,
    `- \`${word}\`：查看本会话的定时任务 / list`,
    `- \`${word} remove <id>\`：删除 / remove`,
    `- \`${word} run <id>\`：立即运行一次 / run now`,
  ].join('\n');
}

export function cronFieldCount(pattern: Echo, count: number, word: string): string {
  return `定时格式不对：${pattern} 有 ${count} 段，需要 5 段（分 时 日 月 周），每分钟至多一次。\n\n${scheduleUsage(word)}`;
}

export function cronInvalid(pattern: Echo, word: string): string {
  return `定时格式不对：${pattern} 不是有效的 cron（分 0-59，时 0-23，日 1-31，月 1-12，周 0-7）。\n\n${scheduleUsage(word)}`;
}

export function promptMissing(word: string): string {
  return `请在五段 cron 之后写上要定时发送的问题。\n\n${scheduleUsage(word)}`;
}

export const PROMPT_IS_SCHEDULE_COMMAND = '定时任务的问题不能是定时命令本身。';

export const NO_STAFF_ID = '抱歉，单聊里的定时任务要发给你的员工账号，但这条消息没有带员工 id，无法添加。';

export function chatFull(limit: number): string {
  return `本会话的定时任务已达上限（${limit} 个），请先删除不需要的再添加。`;
}

export function scheduleAdded(id: string, pattern: Echo, timeZone: string, nextAt: number | undefined, prompt: Echo, word: string): string {
  const next = nextAt === undefined ? '' : `，下次运行 ${localMinute(nextAt, timeZone)}`;
  return `已添加定时任务 \`${id}\`：${pattern}（${timeZone}）${next}\n问题：${prompt}\n\n删除：\`${word} remove ${id}\`，立即运行：\`${word} run ${id}\``;
}

export interface ScheduleLine {
  id: string;
  pattern: Echo;
  timeZone: string;
  nextAt: number | undefined;
  prompt: Echo;
  fromFile: boolean;
}

export function scheduleList(lines: readonly ScheduleLine[], word: string): string {
  if (lines.length === 0) return `本会话还没有定时任务。\n\n${scheduleUsage(word)}`;
  const rows = lines.map((line) => {
    const next = line.nextAt === undefined ? '即将运行' : `下次 ${localMinute(line.nextAt, line.timeZone)}`;
    const file = line.fromFile ? '（配置文件）' : '';
    return `- \`${line.id}\`${file} ${line.pattern}（${line.timeZone}）${next}：${line.prompt}`;
  });
  return [`本会话的定时任务（${lines.length} 个）：`, ...rows].join('\n');
}

export function scheduleNotFound(id: Echo, word: string): string {
  return `本会话没有定时任务 ${id}。查看：\`${word}\``;
}

export function scheduleFromFile(id: string): string {
  return `定时任务 \`${id}\` 来自配置文件（SCHEDULES_FILE），请在文件里删除它。`;
}

export function scheduleRemoved(id: string): string {
  return `已删除定时任务 \`${id}\`。`;
}

export function scheduleRunStarted(id: string): string {
  return `已开始运行定时任务 \`${id}\`，回答稍后发到这里。`;
}

export const PLAYGROUND_ONCE = '试玩环境：这个定时任务只在下一次到点时运行一次，回答发到本页面。';

export function playgroundTooFar(pattern: Echo): string {
  return `试玩环境的定时任务要在两小时内到点（会话闲置两小时后会被清除）：${pattern} 的下一次运行太远了。试试 \`* * * * *\`（每分钟）。`;
}
