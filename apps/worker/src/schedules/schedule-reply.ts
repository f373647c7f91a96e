import { nextTickAfter } from '@dtbot/queue';
import { CONVERSATION_GROUP } from '@dtbot/shared';
import type { WorkerDeps } from '../deps.js';
import { echoUserText } from '../replies/echo-user-text.js';
import type { ReplyContext } from '../replies/reply.js';
import { recognizeScheduleCommand, type ScheduleCommand } from './schedule-command.js';
import type { ScheduleDefinition } from './schedule-definition.js';
import { addProblem } from './schedule-pattern.js';
import { storeScheduledMessage, type ScheduledMessageDeps } from './scheduled-message.js';
import {
  chatFull,
  cronFieldCount,
  cronInvalid,
  NO_STAFF_ID,
  PLAYGROUND_ONCE,
  playgroundTooFar,
  PROMPT_IS_SCHEDULE_COMMAND,
  promptMissing,
  scheduleAdded,
  scheduleFromFile,
  scheduleList,
  scheduleNotFound,
  scheduleRemoved,
  scheduleRunStarted,
  scheduleUsage,
} from './schedule-texts.js';

/** How far ahead a playground session's schedule may fire: the playground's idle-session lifetime. */
export const PLAYGROUND_HORIZON_MS = 2 * 3_600_000;

export type ScheduleReplyDeps = Pick<WorkerDeps, 'schedules' | 'sensitiveWords' | 'settings'> & ScheduledMessageDeps;

/**
 * Carries out an admin's schedule command in the chat it was sent in, and says what it did. Only this chat's
 * schedules are listed, removed or run. Running it twice (a retried job) does no harm: an add reuses the job's id,
 * a run now is stored once per command.
 */
export async function scheduleReply(deps: ScheduleReplyDeps, context: ReplyContext, command: ScheduleCommand): Promise<string> {
  const { data } = context;
  const word = deps.settings.scheduleCommands[0] ?? '/schedule';
  const chat = { robotCode: data.robotCode, conversationId: data.conversationId };
  const echo = (text: string) => echoUserText(text, deps.sensitiveWords);
  switch (command.action) {
    case 'usage':
      return scheduleUsage(word);
    case 'list': {
      const listed = await deps.schedules.list(chat);
      const lines = listed.map(({ definition, nextAt }) => ({
        id: definition.id,
        pattern: echo(definition.pattern),
        timeZone: definition.timeZone,
        nextAt,
        prompt: echo(definition.prompt),
        fromFile: definition.origin === 'file',
      }));
      return scheduleList(lines, word);
    }
    case 'remove': {
      const removal = await deps.schedules.removeFromChat(chat, command.id);
      if (removal === 'not_found') return scheduleNotFound(echo(command.id), word);
      if (removal === 'from_file') return scheduleFromFile(command.id.trim().toLowerCase());
      return scheduleRemoved(command.id.trim().toLowerCase());
    }
    case 'run': {
      const found = await deps.schedules.findInChat(chat, command.id);
      if (!found) return scheduleNotFound(echo(command.id), word);
      // Named by this command's job: a retried command stores its run once.
      await storeScheduledMessage(deps, found.definition, `run-${context.jobId}`);
      return scheduleRunStarted(found.definition.id);
    }
    case 'add':
      return addSchedule(deps, context, command, word);
  }
}

async function addSchedule(
  deps: ScheduleReplyDeps,
  { data }: ReplyContext,
  command: Extract<ScheduleCommand, { action: 'add' }>,
  word: string,
): Promise<string> {
  const echo = (text: string) => echoUserText(text, deps.sensitiveWords);
  const timeZone = deps.schedules.options.timeZone;
  const problem = addProblem(command, timeZone);
  if (problem?.problem === 'fields') return cronFieldCount(echo(problem.shown), problem.count, word);
  if (problem?.problem === 'invalid') return cronInvalid(echo(problem.shown), word);
  if (problem?.problem === 'no_prompt') return promptMissing(word);
  if (recognizeScheduleCommand(command.prompt, deps.settings.scheduleCommands)) return PROMPT_IS_SCHEDULE_COMMAND;
  const group = data.conversationType === CONVERSATION_GROUP;
  const playground = data.source === 'playground';
  // A private chat's answer goes to the admin's staff id; a group's to the group, which needs none.
  if (!group && !data.senderStaffId && !playground) return NO_STAFF_ID;
  const nextAt = nextTickAfter({ pattern: command.pattern, timeZone }, Date.now());
  // The playground forgets an idle session after two hours: a later tick would find nobody.
  if (playground && nextAt - Date.now() > PLAYGROUND_HORIZON_MS) return playgroundTooFar(echo(command.pattern));
  const definition: ScheduleDefinition = {
    // From the message, unique for good (a job id comes back once its thread's numbers expire): a retried command
    // adds the same schedule again rather than a second one.
    id: deps.schedules.idFor(`${data.robotCode}\n${data.msgId}`),
    robotCode: data.robotCode,
    conversationId: data.conversationId,
    group,
    ...(data.conversationTitle ? { conversationTitle: data.conversationTitle } : {}),
    senderId: data.senderId,
    senderStaffId: data.senderStaffId ?? data.senderId,
    senderNick: data.senderNick,
    prompt: command.prompt,
    pattern: command.pattern,
    timeZone,
    origin: 'chat',
    // Its answer goes to this session's page alone, and it fires once: a session's schedules never spend more
    // model calls than the questions the gateway let it send.
    ...(playground ? { playground: { sessionWebhook: data.sessionWebhook }, once: true } : {}),
  };
  const added = await deps.schedules.add(definition);
  if (!added.added) return chatFull(added.limit);
  const text = scheduleAdded(definition.id, echo(definition.pattern), timeZone, nextAt, echo(definition.prompt), word);
  return playground ? `${text}\n\n${PLAYGROUND_ONCE}` : text;
}

