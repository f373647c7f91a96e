import { z } from 'zod';

/**
 * One line of a session's transcript, as kept in Redis and sent to the page: a question the page
 * sent, a question the pipeline refused, or an answer the worker posted to the playground's webhook.
 */
export const transcriptEntrySchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('question'),
    msgId: z.string(),
    chat: z.object({ id: z.string(), type: z.enum(['private', 'group']), title: z.string().optional() }),
    user: z.object({ staffId: z.string(), nick: z.string() }),
    text: z.string(),
    at: z.number(),
  }),
  z.object({ kind: z.literal('refused'), msgId: z.string(), chatId: z.string(), reason: z.string(), at: z.number() }),
  z.object({
    kind: z.literal('answer'),
    chatId: z.string(),
    title: z.string(),
    /** As the worker sent it to the webhook: markdown, or plain text. */
    format: z.enum(['markdown', 'text']),
    text: z.string(),
    atUserIds: z.array(z.string()),
    at: z.number(),
  }),
]);

export type TranscriptEntry = z.infer<typeof transcriptEntrySchema>;

/** An entry with its stream id, which orders the transcript and lets a page resume after it. */
export interface StoredEntry {
  id: string;
  entry: TranscriptEntry;
}
