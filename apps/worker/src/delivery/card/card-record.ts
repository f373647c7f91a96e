import { JOB_RETENTION } from '@dtbot/queue';
import type { WorkerDeps } from '../../deps.js';

/**
 * Where a job's card stands, kept in Redis (`card:<jobId>`) so that a retried or taken-over job
 * finishes the same card:
 * - `creating`: its `outTrackId` is chosen and `createAndDeliver` was sent; whether DingTalk made
 *   it is not known yet (a later attempt checks before creating it again);
 * - `created`: DingTalk took it; drafts stream into it;
 * - `finalized`: the answer is in it and streaming ended; only its finished state is left to set;
 * - `finished`: done;
 * - `failed`: it ended in the error state, with the apology;
 * - `refused`: DingTalk refused to create it: this job's texts go out as messages.
 */
export type CardState = 'creating' | 'created' | 'finalized' | 'finished' | 'failed' | 'refused';

export interface CardRecord {
  outTrackId: string;
  state: CardState;
  /** The last text DingTalk accepted into the card (what the user sees). */
  shown: string;
}

const STATES: ReadonlySet<string> = new Set<CardState>(['creating', 'created', 'finalized', 'finished', 'failed', 'refused']);

/** As long as a failed job stays for an operator to retry, and as long as its delivered parts are remembered. */
const RECORD_TTL_SECONDS = JOB_RETENTION.failed.age;

export type CardRecordDeps = Pick<WorkerDeps, 'redis' | 'keys'>;

export async function readCardRecord(deps: CardRecordDeps, jobId: string): Promise<CardRecord | undefined> {
  const fields = await deps.redis.hgetall(deps.keys.card(jobId));
  const { outTrackId, state, shown = '' } = fields;
  if (!outTrackId || !state || !STATES.has(state)) return undefined;
  return { outTrackId, state: state as CardState, shown };
}

export async function writeCardRecord(deps: CardRecordDeps, jobId: string, change: Partial<CardRecord>): Promise<void> {
  const key = deps.keys.card(jobId);
  await deps.redis.multi().hset(key, change).expire(key, RECORD_TTL_SECONDS).exec();
}
