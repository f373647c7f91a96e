import { z } from 'zod';

const count = z.number().int().nonnegative();

/** `message_end.metadata.usage`: tokens, and the price Dify computed from its model's rates (a decimal string). */
const usageSchema = z.object({
  prompt_tokens: count,
  completion_tokens: count,
  total_tokens: count.optional(),
  total_price: z.union([z.string(), z.number()]).optional(),
  currency: z.string().optional(),
});

export type DifyUsage = z.infer<typeof usageSchema>;

const withConversation = { conversation_id: z.string().optional() };

const eventSchema = z.discriminatedUnion('event', [
  // Chat apps send `message`, agent apps `agent_message`: each carries the next piece of the answer.
  z.object({ event: z.enum(['message', 'agent_message']), answer: z.string(), ...withConversation }),
  // Output moderation replaced the whole answer written so far.
  z.object({ event: z.literal('message_replace'), answer: z.string(), ...withConversation }),
  z.object({ event: z.literal('message_end'), metadata: z.object({ usage: usageSchema.optional() }).optional(), ...withConversation }),
  z.object({ event: z.literal('error'), status: z.number().int().optional(), code: z.string().optional() }),
]);

/** The events of a Dify chat stream the worker acts on; any other (ping, agent_thought, workflow progress…) is `undefined`. */
export type DifyEvent = z.infer<typeof eventSchema>;

/** One event's `data`, read; what is not JSON, or not an event the worker acts on, is `undefined`. */
export function parseDifyEvent(data: string): DifyEvent | undefined {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return undefined;
  }
  const parsed = eventSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
