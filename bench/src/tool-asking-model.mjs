// The fake model of the tool scenarios: asked a tracked question, it calls `bench__lookup` with the question's
// token; given the tool's result, it answers the question. One round per message, whatever the scenario measures.

/** The tracked question's token in a chat request (`问题 <token>`, as `trackedMessage` writes it). */
export const tokenOf = (body) => /问题 ([\w-]+)/.exec(JSON.stringify(body.messages ?? []))?.[1];

/** Whether a chat request already carries a tool's result (the round's second model call). */
export const hasToolResult = (body) => (body.messages ?? []).some((message) => message.role === 'tool');

/** The fake OpenAI's options for a model that takes `latencyMs` per call and asks for the lookup tool once. */
export function toolAskingModel(latencyMs) {
  return {
    latencyMs,
    answer: (body) =>
      hasToolResult(body)
        ? `答复: 问题 ${tokenOf(body)}`
        : { toolCalls: [{ name: 'bench__lookup', arguments: { token: tokenOf(body) ?? '' } }] },
  };
}
