import type OpenAI from 'openai';
import type { WorkerDeps } from '../deps.js';
import type { ModelChoice } from '../robot-options.js';

/** What any provider is asked for one answer, whatever its kind. */
export interface AnswerRequest {
  /** The robot's model and its sampling settings (a provider may serve a model of its own instead). */
  model: ModelChoice;
  messages: OpenAI.Chat.ChatCompletionMessageParam[];
  /** Tokens the call is expected to use (prompt and answer), for the TPM window until `usage` corrects it. */
  estimatedTokens: number;
  /** The prompt's tokens as our tokenizer counts them: the call's input when the provider reports no usage. */
  promptTokens: number;
  /** When given, the answer is streamed and each new draft (its text computed on demand) is passed here. */
  onText?: ((draft: () => string) => void) | undefined;
  /**
   * Who asks, in which memory thread, and the question alone: what a provider that keeps the history itself (a
   * Dify app) is sent instead of `messages`. `thread` is `undefined` when memory is off (every question stands alone).
   */
  asker?: { user: string; thread: string | undefined; question: string } | undefined;
  /** Functions the model may ask to call; with `toolChoice: 'none'` it sees them but must answer in words. */
  tools?: OpenAI.Chat.ChatCompletionTool[];
  toolChoice?: 'auto' | 'none';
  /** Ends the model call early (the asker stopped the answer); what was written so far stands. */
  signal?: AbortSignal | undefined;
}

/** What asking a provider of any kind needs. */
export type AnswerDeps = Pick<WorkerDeps, 'answerLimits' | 'settings' | 'logger' | 'difyConversations'>;
