import { sleep } from './progress.mjs';

/**
 * What came back for each tracked message (the fake DingTalk session is the message's token):
 * answered (the model's echo of the question), lost (nothing at all), duplicated (more than one
 * delivery), failed (something other than the answer, e.g. an apology).
 */
export function tallyAnswers(dingtalk, tokens) {
  const byToken = new Map(tokens.map((token) => [token, []]));
  for (const message of dingtalk.delivered()) byToken.get(message.target)?.push(message);
  const firstAnswerAt = new Map();
  let lost = 0;
  let duplicated = 0;
  let failed = 0;
  for (const [token, deliveries] of byToken) {
    if (deliveries.length === 0) lost += 1;
    if (deliveries.length > 1) duplicated += 1;
    const answer = deliveries.find((message) => message.text.includes(token));
    if (answer) firstAnswerAt.set(token, answer.receivedAt);
    else if (deliveries.length > 0) failed += 1;
  }
  return { expected: tokens.length, answered: firstAnswerAt.size, lost, duplicated, failed, firstAnswerAt };
}

/**
 * Waits until every token got a delivery or `deadline` (ms since epoch) passes, then a little
 * longer (`settleMs`) so that late duplicates are seen too. Prints progress every 5 s.
 */
export async function waitForAnswers(dingtalk, tokens, { deadline, settleMs = 1000, onProgress }) {
  const wanted = new Set(tokens);
  let lastReport = Date.now();
  for (;;) {
    const arrived = new Set();
    for (const message of dingtalk.webhookMessages) if (wanted.has(message.session)) arrived.add(message.session);
    if (arrived.size >= wanted.size || Date.now() >= deadline) break;
    if (onProgress && Date.now() - lastReport >= 5000) {
      lastReport = Date.now();
      onProgress(arrived.size);
    }
    await sleep(25);
  }
  await sleep(settleMs);
  return tallyAnswers(dingtalk, tokens);
}
