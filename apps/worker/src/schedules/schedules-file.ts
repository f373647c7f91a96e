import { createHash } from 'node:crypto';
import { cronProblem } from '@dtbot/queue';
import { ConfigError, readCheckedFile, robotsFromConfig, type WorkerConfig } from '@dtbot/shared';
import type { PersonaCatalog } from '../personas/persona-catalog.js';
import { z } from 'zod';
import type { ScheduleDefinition } from './schedule-definition.js';
import { recognizeScheduleCommand } from './schedule-command.js';

/** An id an operator may give: lower-case letters, digits and `-`, so it reads and types as the chat's ids do. */
const FILE_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

const entrySchema = z
  .object({
    /** Optional: an entry without one is named by its content, so changing it replaces it. */
    id: z.string().regex(FILE_ID, 'lower-case letters, digits and -, at most 40').optional(),
    cron: z.string().min(1),
    /** IANA time zone the cron is read in; unset = QUOTA_TIMEZONE. */
    timezone: z.string().min(1).optional(),
    chat: z
      .object({
        /** The robot's code (its AppKey); unset = the deployment's only robot. */
        robot: z.string().min(1).optional(),
        conversationId: z.string().min(1),
        group: z.boolean(),
        title: z.string().optional(),
      })
      .strict(),
    /** The staff id the prompt is asked as; in a private chat the answer goes to them. */
    sender: z.string().min(1),
    senderNick: z.string().optional(),
    prompt: z.string().trim().min(1),
    persona: z.string().min(1).optional(),
  })
  .strict();

export const schedulesFileSchema = z.object({ schedules: z.array(entrySchema).default([]) }).strict();

export type SchedulesFile = z.infer<typeof schedulesFileSchema>;

export interface SchedulesFileContext {
  /** QUOTA_TIMEZONE: the time zone of an entry without one. */
  defaultTimeZone: string;
  /** The robot of an entry without one; `undefined` when the deployment has several (each entry must say). */
  onlyRobot: string | undefined;
  /** Every robot code of the deployment. */
  robotCodes: ReadonlySet<string>;
  /** Whether the persona catalogue has this name. */
  hasPersona(name: string): boolean;
  scheduleCommands: readonly string[];
}

/**
 * Reads and checks `SCHEDULES_FILE` into the schedules it declares. A file that cannot be read or parsed, an
 * unknown key, a bad cron or time zone, an unknown robot or persona, or an id given twice is a `ConfigError`
 * naming the file and the entry, so the worker stops at start rather than run half of it.
 */
export function loadSchedulesFile(path: string | undefined, context: SchedulesFileContext): ScheduleDefinition[] {
  if (path === undefined) return [];
  const read = readCheckedFile(path, schedulesFileSchema);
  if ('problems' in read) throw new ConfigError(read.problems.map((problem) => `SCHEDULES_FILE: ${problem}`));
  const problems: string[] = [];
  const seen = new Set<string>();
  const definitions = read.value.schedules.map((entry, index) => {
    const at = (text: string) => problems.push(`SCHEDULES_FILE: ${path}: schedules.${index}: ${text}`);
    const timeZone = entry.timezone ?? context.defaultTimeZone;
    if (!isTimeZone(timeZone)) at(`timezone: not an IANA time zone such as Asia/Shanghai`);
    else {
      const problem = cronProblem(entry.cron, timeZone);
      if (problem) at(`cron: ${problem}`);
    }
    const robotCode = entry.chat.robot ?? context.onlyRobot;
    if (robotCode === undefined) at('chat.robot: required when the deployment has several robots');
    else if (!context.robotCodes.has(robotCode)) at('chat.robot: not a robot of this deployment');
    if (entry.persona !== undefined && !context.hasPersona(entry.persona)) at('persona: not in the persona catalogue');
    if (recognizeScheduleCommand(entry.prompt, context.scheduleCommands)) at('prompt: may not be a schedule command');
    const id = `file-${entry.id ?? contentId(entry)}`;
    if (seen.has(id)) at(`id: ${id} is given twice`);
    seen.add(id);
    const definition: ScheduleDefinition = {
      id,
      robotCode: robotCode ?? '',
      conversationId: entry.chat.conversationId,
      group: entry.chat.group,
      ...(entry.chat.title !== undefined ? { conversationTitle: entry.chat.title } : {}),
      senderId: entry.sender,
      senderStaffId: entry.sender,
      senderNick: entry.senderNick ?? entry.sender,
      prompt: entry.prompt,
      ...(entry.persona !== undefined ? { persona: entry.persona } : {}),
      pattern: entry.cron.trim().split(/\s+/).join(' '),
      timeZone,
      origin: 'file',
    };
    return definition;
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return definitions;
}

/** An entry's name from what it says, so an edited entry is a new schedule and the old one goes. */
function contentId(entry: z.infer<typeof entrySchema>): string {
  return createHash('sha256').update(JSON.stringify(entry)).digest('hex').slice(0, 12);
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * `SCHEDULES_FILE` read against this deployment: its robots with an AppKey (a tick is answered through the OpenAPI,
 * which needs one), its personas, `QUOTA_TIMEZONE` and the schedule command words.
 */
export function loadSchedulesFromConfig(config: WorkerConfig, personas: Pick<PersonaCatalog, 'findPersona'>): ScheduleDefinition[] {
  const robotCodes = new Set(robotsFromConfig(config).flatMap((robot) => (robot.robotCode && robot.appKey ? [robot.robotCode] : [])));
  return loadSchedulesFile(config.SCHEDULES_FILE, {
    defaultTimeZone: config.QUOTA_TIMEZONE,
    onlyRobot: robotCodes.size === 1 ? [...robotCodes][0] : undefined,
    robotCodes,
    hasPersona: (name) => personas.findPersona(name) !== undefined,
    scheduleCommands: config.SCHEDULE_COMMANDS,
  });
}
