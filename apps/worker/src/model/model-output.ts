import type OpenAI from 'openai';

/** What a model call produced, streamed or not: the raw text (reasoning included) and the usage it reported. */
export interface ModelOutput {
  content: string;
  usage: OpenAI.CompletionUsage | undefined;
  /** Someone stopped the answer: `content` is what was written until then. */
  stopped?: boolean;
}
