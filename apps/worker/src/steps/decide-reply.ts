import { isReadableKind, recognizeCommand, unknownCommand, type CommandWords, type MessageJob } from '@dtbot/shared';
import type { WorkerDeps, WorkerSettings } from '../deps.js';
import { applyTemplate, type PersonaCatalog } from '../personas/persona-catalog.js';
import { recognizeImageRequest } from '../replies/recognize-image-request.js';
import { countsAgainstQuota, reachesModel, type Reply } from '../replies/reply.js';
import type { Role } from '../access/access-policy.js';
import { withQuote } from '../replies/with-quote.js';
import { recognizeScheduleCommand } from '../schedules/schedule-command.js';

export interface ReadDeps extends Pick<WorkerDeps, 'robotOptions' | 'robotApp'> {
  settings: CommandWords & Pick<WorkerSettings, 'imageCommands' | 'draws' | 'scheduleCommands'>;
  personas: Pick<PersonaCatalog, 'matchTemplate'>;
}

/**
 * What a file sent without a word is asked: a short summary. Someone who drops a file on the robot wants to know
 * it was read and what it holds, and can ask about it next; an acknowledgement alone would make them ask twice.
 */
export const SUMMARY_REQUEST = '请简要总结这个文件的主要内容。';

/** Pictures sent to the model with one question; more are left out, and the answer says so. */
export const MAX_PICTURES_PER_QUESTION = 4;

export type DecideDeps = ReadDeps & Pick<WorkerDeps, 'access' | 'quotas' | 'budget' | 'sensitiveWords' | 'logger'>;

/**
 * Decides what this message gets, before anything is produced or sent. The order is the policy:
 * 1. who asks: a user the access lists refuse gets one short refusal, whatever they sent;
 * 2. what they asked (`readMessage`): a command, a note, a picture, a template or a question;
 * 3. whether they may: an admin command from anyone else is refused; what would reach a model is
 *    refused when it contains a sensitive word (before the quota, so it is not counted); so is it,
 *    except for admins, once the day's budget is spent (before the quota, for the same reason); a
 *    daily quota is checked, and counted, only for what spends a model call (`countsAgainstQuota`),
 *    so commands, notes and refusals never count, and never for admins and VIPs.
 */
export async function decideReply(deps: DecideDeps, jobId: string, data: MessageJob): Promise<Reply> {
  const access = deps.access.decide(data);
  if (!access.allowed) {
    // The sender id is what an operator lists for a user of another organisation, who has no staff id here.
    deps.logger.info({ msgId: data.msgId, jobId, reason: access.reason, senderId: data.senderId }, 'refused by the access lists');
    return { kind: 'refusal', refusal: 'access_denied' };
  }
  const reply = readMessage(deps, data);
  if (reply.kind === 'command' && reply.command === 'usage' && access.role !== 'admin') return { kind: 'refusal', refusal: 'admins_only' };
  // A playground session may schedule for itself alone: its runs go back to its own page, once each (`scheduleReply`).
  if (reply.kind === 'schedule' && access.role !== 'admin' && data.source !== 'playground') return { kind: 'refusal', refusal: 'admins_only' };
  // What the user quoted reaches the model too.
  if (reachesModel(reply) && [data.prompt, data.quote ?? ''].some((text) => deps.sensitiveWords.contains(text))) {
    deps.logger.info({ msgId: data.msgId, jobId }, 'refused: the question contains a sensitive word');
    return { kind: 'refusal', refusal: 'sensitive_question' };
  }
  if (reachesModel(reply) && access.role !== 'admin') {
    const budget = await deps.budget.check(data.robotCode);
    if (budget.reached) {
      deps.logger.info({ msgId: data.msgId, jobId, budget: budget.scope, limitUsd: budget.limitUsd }, 'refused: the daily budget is spent');
      return { kind: 'refusal', refusal: 'budget_reached', scope: budget.scope, msToReset: budget.msToReset };
    }
  }
  if (!countsAgainstQuota(reply) || isExempt(access.role)) return reply;
  const quota = await deps.quotas.take(jobId, data);
  if (quota.allowed) return reply;
  return { kind: 'refusal', refusal: 'quota_exceeded', scope: quota.scope, limit: quota.limit, msToReset: quota.msToReset };
}

const isExempt = (role: Role) => role === 'admin' || role === 'vip';

/**
 * What a message asks for: commands first (they never reach the model); then a file it carries or quotes, read
 * for the model when the robot has an app to download it with; then pictures, for the model
 * when the robot reads them, else a note (or, with text, an answer that says they were not read);
 * then what cannot be asked (a kind we cannot read, an empty question, a voice message DingTalk could
 * not transcribe); then a picture to draw, a template (each with a note when it cannot be served or
 * has no text), an unknown `/word` (the help), and last the model. A quoted message goes before the
 * question it came with.
 */
export function readMessage(deps: ReadDeps, data: Pick<MessageJob, 'msgtype' | 'prompt' | 'pictures' | 'quote' | 'file' | 'robotCode'>): Reply {
  const command = recognizeCommand(data.prompt, deps.settings);
  if (command) return { kind: 'command', ...command };
  const schedule = recognizeScheduleCommand(data.prompt, deps.settings.scheduleCommands);
  if (schedule) return { kind: 'schedule', command: schedule };
  const readsFiles = deps.robotApp(data.robotCode) !== undefined;
  if (data.file && readsFiles) {
    // A quoted file's quote is only its name, which the file's turn shows: the question is what was written.
    const written = data.file.quoted ? data.prompt : withQuote(data.prompt, data.quote);
    return { kind: 'file', question: written || SUMMARY_REQUEST, file: data.file };
  }
  // A job stored before pictures were read has a picture message's msgtype and no codes.
  const pictures = data.pictures ?? [];
  const readsPictures = seesPictures(deps, data.robotCode);
  if (pictures.length > 0 && readsPictures) {
    const skipped = pictures.length - MAX_PICTURES_PER_QUESTION;
    const sent = pictures.slice(0, MAX_PICTURES_PER_QUESTION);
    return { kind: 'vision', question: withQuote(data.prompt, data.quote), pictures: sent, ...(skipped > 0 ? { picturesSkipped: skipped } : {}) };
  }
  const picturesNotRead = Math.max(pictures.length, data.msgtype === 'picture' ? 1 : 0);
  if (picturesNotRead > 0 && data.prompt === '') return { kind: 'note', note: 'pictures_not_read', msgtype: data.msgtype };
  if (!isReadableKind(data.msgtype) && picturesNotRead === 0) return { kind: 'note', note: 'unreadable_kind', msgtype: data.msgtype, readsPictures, readsFiles };
  if (data.prompt === '' && !data.quote) {
    return { kind: 'note', note: data.msgtype === 'audio' ? 'unrecognized_audio' : 'empty_question', msgtype: data.msgtype };
  }
  const image = recognizeImageRequest(data.prompt, deps.settings);
  if (image && !deps.settings.draws) return { kind: 'note', note: 'images_unavailable', msgtype: data.msgtype };
  if (image && image.prompt === '') return { kind: 'note', note: 'empty_image_prompt', msgtype: data.msgtype };
  if (image) return { kind: 'image', prompt: image.prompt };
  const called = deps.personas.matchTemplate(data.prompt);
  if (called && called.input === '') return { kind: 'note', note: 'template_without_text', template: called.template };
  if (called) {
    return { kind: 'template', template: called.template.name, question: withQuote(applyTemplate(called.template, called.input), data.quote) };
  }
  const unknown = unknownCommand(data.prompt);
  if (unknown) return { kind: 'command', command: 'unknown', argument: unknown };
  return { kind: 'model', question: withQuote(data.prompt, data.quote), ...(picturesNotRead > 0 ? { picturesNotRead } : {}) };
}

/** The robot's model reads pictures, and the robot has the AppKey/AppSecret to download them with. */
function seesPictures(deps: Pick<WorkerDeps, 'robotOptions' | 'robotApp'>, robotCode: string): boolean {
  return deps.robotOptions(robotCode).vision && deps.robotApp(robotCode) !== undefined;
}
