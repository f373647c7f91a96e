import type { WorkerDeps } from '../deps.js';
import { DEFAULT_PERSONA, DEFAULT_PERSONA_WORDS, isPersonaWord } from '../personas/persona-catalog.js';
import { currentPersona } from '../personas/persona-choices.js';
import {
  helpText,
  NOTHING_TO_STOP,
  notAPersonaName,
  personaList,
  personaSwitched,
  RESET_DONE,
  settingsText,
  STOP_DONE,
  unknownCommandText,
  unknownPersona,
} from './canned-replies.js';
import { echoUserText } from './echo-user-text.js';
import { usageReport } from './usage-report.js';
import { feedbackReply, type FeedbackReplyDeps } from './feedback-reply.js';
import { stopWordOutcome } from '../steps/stop-word.js';
import { CONVERSATION_GROUP } from '@dtbot/shared';
import type { Reply, ReplyContext } from './reply.js';

export type CommandReplyDeps = Pick<
  WorkerDeps,
  'memory' | 'difyConversations' | 'providersFor' | 'settings' | 'personas' | 'personaChoices' | 'robotOptions' | 'access' | 'quotas' | 'usage' | 'budget' | 'sensitiveWords' | 'redis' | 'keys'
> &
  FeedbackReplyDeps;

/** `/usage` covers today and this many days ending today. */
const USAGE_REPORT_DAYS = 7;

/** Carries out a command and says what it did. Running it twice (a retried job) does no harm. */
export async function commandReply(deps: CommandReplyDeps, context: ReplyContext, reply: Extract<Reply, { kind: 'command' }>): Promise<string> {
  const { data } = context;
  switch (reply.command) {
    case 'reset':
      // Memory only (ours, and the thread's conversations in a Dify app, which keeps its own): the persona is a
      // setting of the thread, switched back with `/persona default`.
      await Promise.all([deps.memory.clear(data.orderKey), deps.difyConversations.clear(data.orderKey)]);
      return RESET_DONE;
    case 'help':
      return helpText(deps.settings, deps.personas);
    case 'unknown':
      return unknownCommandText(echoUserText(reply.argument ?? '', deps.sensitiveWords), helpText(deps.settings, deps.personas));
    case 'settings': {
      const [persona, left] = await Promise.all([currentPersona(deps, data), deps.quotas.left(data)]);
      const access = deps.access.decide(data);
      // A Dify app answers whatever model the robot names: it is shown by the name its calls are counted under.
      const [answerer] = deps.providersFor(data.robotCode);
      return settingsText({
        model: answerer?.kind === 'dify' ? answerer.model : deps.robotOptions(data.robotCode).model,
        scope: deps.robotOptions(data.robotCode).memoryScope,
        persona: persona.name,
        role: access.allowed ? access.role : 'member',
        left,
        inGroup: data.conversationType === CONVERSATION_GROUP,
      });
    }
    case 'usage': {
      // Only admins get here (decideReply refuses everyone else).
      const [questions, usage, budget, feedback] = await Promise.all([
        deps.quotas.today(data.robotCode),
        deps.usage.report(data.robotCode, USAGE_REPORT_DAYS),
        deps.budget.state(data.robotCode),
        deps.feedback.tally(data.robotCode),
      ]);
      return usageReport({ timeZone: deps.quotas.limits.timeZone, ...usage, budget, questions, limits: deps.quotas.limits, feedback });
    }
    case 'persona':
      return personaCommand(deps, context, reply.argument);
    case 'stop':
      // The stop itself was asked before this message waited for its turn (`actOnStopWord`).
      return (await stopWordOutcome(deps, context.jobId)) === 'stopped' ? STOP_DONE : NOTHING_TO_STOP;
    case 'feedback':
      return feedbackReply(deps, context, reply.vote ?? 'up');
  }
}

/** `/persona` lists; `/persona 名称` switches this thread's persona and keeps its memory. */
async function personaCommand(deps: CommandReplyDeps, { data }: ReplyContext, wanted: string | undefined): Promise<string> {
  const command = deps.settings.personaCommands[0] ?? '/persona';
  const list = async () => personaList(await currentPersona(deps, data), deps.personas, command);
  if (wanted === undefined) return list();
  if (!isPersonaWord(wanted)) return notAPersonaName(await list());
  const isDefault = DEFAULT_PERSONA_WORDS.some((word) => word.toLowerCase() === wanted.toLowerCase());
  const name = isDefault ? DEFAULT_PERSONA : deps.personas.findPersona(wanted)?.name;
  if (name === undefined) return unknownPersona(echoUserText(wanted, deps.sensitiveWords), await list());
  await deps.personaChoices.set(data.orderKey, name);
  return personaSwitched(name, deps.robotOptions(data.robotCode).memoryScope, deps.settings.resetCommands[0] ?? '/reset');
}
