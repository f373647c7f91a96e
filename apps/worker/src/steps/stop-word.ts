import { recognizeCommand, type CommandWords, type MessageJob } from '@dtbot/shared';
import type { WorkerDeps } from '../deps.js';
import { countedAs } from '../counting/counted-as.js';
import { STOP_WORD_OUTCOME_TTL_SECONDS, STOP_WORD_STOPPED } from '../stops/answer-stops.js';

export type StopWordDeps = Pick<WorkerDeps, 'stops' | 'redis' | 'keys'> & { settings: CommandWords };

export type StopWordOutcome = 'stopped' | 'nothing';

/**
 * A stop word acts before its message waits for its turn: the answer it stops holds that turn, and would otherwise
 * be finished before the stop word's turn came. What it found is kept for its reply (`stopWordReply`), which comes
 * in turn like any other: `nothing`, unless the worker writing the asker's answer said `stopped` (it does so before
 * that answer, and so its turn, ends; the plain write of the one overrides this one's `NX`, whichever lands first).
 * A retried job keeps what the first attempt found.
 */
export async function actOnStopWord(deps: StopWordDeps, jobId: string, data: MessageJob): Promise<void> {
  if (recognizeCommand(data.prompt, deps.settings)?.command !== 'stop') return;
  const key = deps.keys.stopWord(jobId);
  if ((await deps.redis.exists(key)) > 0) return;
  const asker = { robotCode: data.robotCode, conversationId: data.conversationId, asker: countedAs(data).user };
  await deps.stops.stopRunning(asker, key);
  await deps.redis.set(key, 'nothing', 'EX', STOP_WORD_OUTCOME_TTL_SECONDS, 'NX');
}

/** What the stop word found; `nothing` when its record is gone. */
export async function stopWordOutcome(deps: Pick<WorkerDeps, 'redis' | 'keys'>, jobId: string): Promise<StopWordOutcome> {
  return (await deps.redis.get(deps.keys.stopWord(jobId))) === STOP_WORD_STOPPED ? 'stopped' : 'nothing';
}

