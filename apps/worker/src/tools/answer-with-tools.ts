import type { CountedAsker } from '../counting/counted-as.js';
import { requestCompletion, type Completion, type CompletionRequest, type RequestCompletionDeps } from '../model/request-completion.js';
import { recordSpend, type RecordSpendDeps } from '../usage/record-spend.js';

export type AnswerWithToolsDeps = RequestCompletionDeps & RecordSpendDeps;

/**
 * The model's final answer to a prompt. Every model call made for it goes through `requestCompletion` (rate
 * limit, providers) and is recorded in the usage ledger right after it returns.
 */
export async function answerWithTools(
  deps: AnswerWithToolsDeps,
  jobId: string,
  asker: CountedAsker,
  request: CompletionRequest,
): Promise<Completion> {
  const completion = await requestCompletion(deps, request);
  await recordSpend(deps, jobId, asker, { kind: 'chat', model: completion.model, apiUrl: completion.apiUrl, tokens: completion.tokens });
  return completion;
}
