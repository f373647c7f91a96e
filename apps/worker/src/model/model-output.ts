import type OpenAI from 'openai';

/** What a model call produced, streamed or not: the raw text (reasoning included) and the usage it reported. */
export interface ModelOutput {
  content: string;
  usage: OpenAI.CompletionUsage | undefined;
  /** What the call cost in US dollars, when the provider said so itself (a Dify app does); else the price table's. */
  costUsd?: number | undefined;
}
