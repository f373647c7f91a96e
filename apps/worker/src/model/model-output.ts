import type OpenAI from 'openai';

/** What a model call produced, streamed or not: the raw text (reasoning included) and the usage it reported. */
export interface ModelOutput {
  content: string;
  usage: OpenAI.CompletionUsage | undefined;
  /** What the call cost in US dollars, when the provider said so itself (a Dify app does); else the price table's. */
  costUsd?: number | undefined;
  /** The functions the model asked to call (only when it was offered tools); absent or empty = none. */
  toolCalls?: ModelToolCall[];
  /** Someone stopped the answer: `content` is what was written until then. */
  stopped?: boolean;
}

/** One function call the model asked for: its id (the tool message answering it names it), name and JSON arguments. */
export interface ModelToolCall {
  id: string;
  name: string;
  arguments: string;
}
