import type { MessageJob } from '@dtbot/shared';
import type { WorkerDeps } from '../deps.js';

export type RememberDeps = Pick<WorkerDeps, 'memory' | 'robotOptions'>;

/**
 * Adds the question and its answer to the thread's memory: only replies that asked the model (`question`, as
 * `produceReply` says it was asked), and nothing when memory is off. Safe to run twice: memory keeps the id of the
 * last job it stored.
 */
export async function remember(deps: RememberDeps, jobId: string, data: MessageJob, question: string | undefined, answer: string): Promise<void> {
  const { memoryScope, memoryMaxTokens } = deps.robotOptions(data.robotCode);
  if (question === undefined || memoryScope === 'none') return;
  await deps.memory.append(data.orderKey, jobId, question, answer, memoryMaxTokens);
}
