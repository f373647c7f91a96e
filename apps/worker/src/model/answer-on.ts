import type { ModelOutput } from './model-output.js';
import { difyAnswer } from './dify/dify-answer.js';
import { openAIAnswer } from './openai-answer.js';
import type { ModelProvider } from './providers/model-provider.js';
import type { AnswerDeps, AnswerRequest } from './answer-request.js';

/** The answer of one provider, asked in the way of its kind. */
export function answerOn(deps: AnswerDeps, provider: ModelProvider, request: AnswerRequest): Promise<ModelOutput> {
  switch (provider.kind) {
    case 'openai':
      return openAIAnswer(deps, provider, request);
    case 'dify':
      return difyAnswer(deps, provider, request);
  }
}
