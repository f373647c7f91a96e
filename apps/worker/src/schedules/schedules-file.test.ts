import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '@dtbot/shared';
import { describe, expect, it } from 'vitest';
import { loadSchedulesFile, type SchedulesFileContext } from './schedules-file.js';

const dir = mkdtempSync(path.join(tmpdir(), 'schedules-file-'));
let files = 0;
const fileWith = (text: string) => {
  files += 1;
  const file = path.join(dir, `schedules-${files}.yaml`);
  writeFileSync(file, text);
  return file;
};

const context: SchedulesFileContext = {
  defaultTimeZone: 'Asia/Shanghai',
  onlyRobot: 'dingrobot',
  robotCodes: new Set(['dingrobot', 'dingother']),
  hasPersona: (name) => name === '翻译官',
  scheduleCommands: ['/schedule', '定时'],
};

const GOOD = `
schedules:
  - id: standup
    cron: "0 9 * * 1-5"
    chat: { conversationId: cidGroup==, group: true, title: 研发群 }
    sender: manager01
    prompt: 总结昨天的待办
    persona: 翻译官
  - cron: "30  18 * * *"
    timezone: Europe/Berlin
    chat: { robot: dingother, conversationId: cidPrivate==, group: false }
    sender: staff02
    prompt: 今天的日报提醒
`;

/** The problems a file gets, one line each. */
function problemsOf(file: string, ctx = context): string[] {
  try {
    loadSchedulesFile(file, ctx);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('the file was taken');
}

describe('loadSchedulesFile', () => {
  it('no file set → no schedules', () => {
    expect(loadSchedulesFile(undefined, context)).toEqual([]);
  });

  it('reads each entry into a schedule: the robot, time zone and persona defaulted or given', () => {
    const [standup, daily] = loadSchedulesFile(fileWith(GOOD), context);
    expect(standup).toEqual({
      id: 'file-standup',
      robotCode: 'dingrobot',
      conversationId: 'cidGroup==',
      group: true,
      conversationTitle: '研发群',
      senderId: 'manager01',
      senderStaffId: 'manager01',
      senderNick: 'manager01',
      prompt: '总结昨天的待办',
      persona: '翻译官',
      pattern: '0 9 * * 1-5',
      timeZone: 'Asia/Shanghai',
      origin: 'file',
    });
    expect(daily).toMatchObject({ robotCode: 'dingother', group: false, pattern: '30 18 * * *', timeZone: 'Europe/Berlin' });
    // Named by what it says: the same entry the same id at every start, an edited one a new id.
    expect(daily!.id).toMatch(/^file-[0-9a-f]{12}$/);
    expect(loadSchedulesFile(fileWith(GOOD), context)[1]!.id).toBe(daily!.id);
    expect(loadSchedulesFile(fileWith(GOOD.replace('今天的日报提醒', '日报')), context)[1]!.id).not.toBe(daily!.id);
  });

  it.each([
    ['a file that cannot be read', null, /SCHEDULES_FILE: .*schedules-missing\.yaml: cannot be read \(ENOENT\)/],
    ['a file that is not YAML', 'schedules: [', /is not valid JSON or YAML/],
    ['an unknown key', GOOD.replace('prompt: 总结昨天的待办', 'prompt: 总结昨天的待办\n    promt: x'), /schedules\.0: Unrecognized key.*promt/],
    ['a six-field cron', GOOD.replace('"0 9 * * 1-5"', '"0 0 9 * * 1-5"'), /schedules\.0: cron: a cron pattern has 5 fields/],
    ['a cron out of range', GOOD.replace('"0 9 * * 1-5"', '"0 25 * * 1-5"'), /schedules\.0: cron: /],
    ['an unknown time zone', GOOD.replace('Europe/Berlin', 'Mars/Olympus'), /schedules\.1: timezone: not an IANA time zone/],
    ['an unknown robot', GOOD.replace('robot: dingother', 'robot: dingnobody'), /schedules\.1: chat\.robot: not a robot of this deployment/],
    ['an unknown persona', GOOD.replace('persona: 翻译官', 'persona: 海盗'), /schedules\.0: persona: not in the persona catalogue/],
    ['a prompt that is a schedule command', GOOD.replace('总结昨天的待办', '/schedule remove x'), /schedules\.0: prompt: may not be a schedule command/],
    ['an empty prompt', GOOD.replace('总结昨天的待办', '"  "'), /schedules\.0\.prompt: /],
  ])('%s → a start error naming the file and the entry', (_, text, problem) => {
    const file = text === null ? path.join(dir, 'schedules-missing.yaml') : fileWith(text);
    const problems = problemsOf(file);
    expect(problems.join('\n')).toMatch(problem);
    for (const line of problems) expect(line).toContain(`SCHEDULES_FILE: ${file}`);
  });

  it('an id given twice → named', () => {
    const twice = `
schedules:
  - { id: a, cron: "0 9 * * *", chat: { conversationId: c1, group: true }, sender: s, prompt: p }
  - { id: a, cron: "0 10 * * *", chat: { conversationId: c2, group: true }, sender: s, prompt: q }
`;
    expect(problemsOf(fileWith(twice))).toEqual([expect.stringMatching(/schedules\.1: id: file-a is given twice/)]);
  });

  it('several robots and an entry that names none → it must say which', () => {
    const problems = problemsOf(fileWith(GOOD), { ...context, onlyRobot: undefined });
    expect(problems).toEqual([expect.stringMatching(/schedules\.0: chat\.robot: required when the deployment has several robots/)]);
  });
});
