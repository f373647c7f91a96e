import { recognizeCommand, type CommandWords, type MessageJob } from '@dtbot/shared';
import type { WorkerDeps } from '../deps.js';
import { countedAs } from '../counting/counted-as.js';

export type StopWordDeps = Pick<WorkerDeps, 'stops' | 'redis' | 'keys'> & { settings: CommandWords };

export type StopWordOutcome = 'stopped' | 'nothing';

/** As long as a job's delivery records: a retry says what the first attempt found. */
const OUTCOME_TTL_SECONDS = 86_400;

/**
 * A stop word acts before its message waits for its turn: the answer it stops holds that turn, and would otherwise
 * be finished before the stop word's turn came. What it found is kept for its reply (`stopWordReply`), which comes
 * in turn like any other; a retried job keeps what the first attempt found.
 */
export async function actOnStopWord(deps: StopWordDeps, jobId: string, data: MessageJob): Promise<void> {
  if (recognizeCommand(data.prompt, deps.settings)?.command !== 'stop') return;
  const key = deps.keys.stopWord(jobId);
  if ((await deps.redis.exists(key)) > 0) return;
  const asker = { robotCode: data.robotCode, conversationId: data.conversationId, asker: countedAs(data).user };
  const stopped = await deps.stops.stopRunning(asker);
  await deps.redis.set(key, stopped ? 'stopped' : 'nothing', 'EX', OUTCOME_TTL_SECONDS, 'NX');
}

/** What the stop word found; `nothing` when its record is gone. */
export async function stopWordOutcome(deps: Pick<WorkerDeps, 'redis' | 'keys'>, jobId: string): Promise<StopWordOutcome> {
  return (await deps.redis.get(deps.keys.stopWord(jobId))) === 'stopped' ? 'stopped' : 'nothing';
}

