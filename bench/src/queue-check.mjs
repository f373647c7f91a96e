import { Queue } from 'bullmq';

/** Every state a message job can be in; a stored message is in exactly one of them. */
export const JOB_STATES = ['waiting', 'prioritized', 'paused', 'delayed', 'active', 'completed', 'failed', 'waiting-children'];
const PAGE = 2000;

/** The product's one queue (`MESSAGE_QUEUE_NAME`) under a bench prefix, through BullMQ's public API. */
export function openQueue(redis, prefix) {
  return new Queue('messages', { connection: redis, prefix });
}

export async function countJobs(queue) {
  const counts = await queue.getJobCounts(...JOB_STATES);
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

/**
 * Checks that every acknowledged msgId became exactly one job, reading every job's data (a plain
 * count against the 2xx answers would miss one request stored twice and another not at all). Jobs
 * of msgIds that were not acknowledged are the requests in flight when the load stopped: stored,
 * but the answer was dropped by the client; they are counted, not errors. `counted` is BullMQ's
 * own job count, which must equal the jobs read.
 */
export async function checkAckedJobs(queue, acked) {
  const perMsgId = new Map();
  let jobs = 0;
  for (const state of JOB_STATES) {
    for (let start = 0; ; start += PAGE) {
      const page = await queue.getJobs([state], start, start + PAGE - 1, true);
      for (const job of page) {
        jobs += 1;
        const msgId = job.data?.msgId;
        perMsgId.set(msgId, (perMsgId.get(msgId) ?? 0) + 1);
      }
      if (page.length < PAGE) break;
    }
  }
  let withOneJob = 0;
  let withoutJob = 0;
  let withSeveralJobs = 0;
  for (const msgId of acked) {
    const count = perMsgId.get(msgId) ?? 0;
    if (count === 1) withOneJob += 1;
    else if (count === 0) withoutJob += 1;
    else withSeveralJobs += 1;
  }
  let unackedJobs = 0;
  for (const [msgId, count] of perMsgId) if (!acked.has(msgId)) unackedJobs += count;
  return { jobs, counted: await countJobs(queue), acked: acked.size, withOneJob, withoutJob, withSeveralJobs, unackedJobs };
}

/** Empties the queue for the next phase (force: there may be active jobs of a killed worker). */
export async function obliterate(queue) {
  await queue.obliterate({ force: true, count: 5000 });
}
