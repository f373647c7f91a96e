import { jobIdFor, parkJob, stayParked, wakeJob, type Job } from '@dtbot/queue';
import type { MessageJob } from '@dtbot/shared';
import type { WorkerDeps } from '../deps.js';

export type TakeTurnDeps = Pick<WorkerDeps, 'turns' | 'queue' | 'settings' | 'metrics' | 'logger'>;

/**
 * Waits for this message's turn in its conversation without holding a worker slot: a job whose
 * turn has not come is parked in the delayed set and woken by the job before it (`endTurn`), or
 * after `turnRecheckMs` as a safety net. Throws `stayParked` when parked (BullMQ then leaves the
 * job alone and counts no attempt).
 */
export async function takeTurn(
  deps: TakeTurnDeps,
  job: Job<MessageJob>,
  jobId: string,
  data: MessageJob,
  token: string | undefined,
): Promise<void> {
  for (let round = 0; round < 3; round += 1) {
    const claim = await deps.turns.claim(data.orderKey, data.seq, jobId);
    if (claim.go) return;
    const blocking = claim.done + 1;
    if (!(await skipIfGone(deps, data, blocking))) break;
  }

  await parkJob(job, Date.now() + deps.settings.turnRecheckMs, token);
  // The turn may have ended between our claim and the park; then nobody will wake us, so we do.
  const again = await deps.turns.claim(data.orderKey, data.seq, jobId);
  if (again.go) await wakeJob(job);
  deps.metrics.jobs.inc({ outcome: 'parked' });
  throw stayParked('waiting for an earlier message of this conversation');
}

/**
 * An earlier number whose job is finished (its end-of-turn was lost) or that never got a job (its
 * store was refused, or timed out and never ran) must not block the conversation forever.
 */
async function skipIfGone(deps: TakeTurnDeps, data: MessageJob, blocking: number): Promise<boolean> {
  const state = await deps.queue.getJobState(jobIdFor(data.orderKey, blocking));
  const finished = state === 'completed' || state === 'failed';
  const missing = state === 'unknown' && Date.now() - data.receivedAt > deps.settings.gapGraceMs;
  if (!finished && !missing) return false;
  deps.logger.warn({ orderKey: data.orderKey, seq: blocking, state }, 'skipping a turn that has no live job');
  await wake(deps, await deps.turns.skip({ ...data, seq: blocking }));
  return true;
}

export async function wake(deps: Pick<WorkerDeps, 'queue'>, jobId: string | null): Promise<void> {
  if (!jobId) return;
  // Not delayed yet: the waiter re-checks its turn right after parking and wakes itself.
  await wakeJob(await deps.queue.getJob(jobId));
}
