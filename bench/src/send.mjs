import { freshSignedHeaders } from './callbacks.mjs';
import { sleep } from './progress.mjs';

/** Posts one signed callback the way DingTalk does; resolves with the HTTP status (0 = no answer). */
export async function postCallback(port, body) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/dingtalk/callback`, {
      method: 'POST',
      headers: freshSignedHeaders(),
      body,
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** Posts every message with at most `concurrency` in flight, as fast as the gateway takes them. */
export async function sendBurst(port, messages, concurrency = 64) {
  const statuses = {};
  let next = 0;
  const lane = async () => {
    while (next < messages.length) {
      const message = messages[next];
      next += 1;
      const status = await postCallback(port, message.body);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, messages.length) }, lane));
  return statuses;
}

/**
 * Posts messages at a steady `perSecond` on a fixed schedule (not "an interval after the last
 * answer"), so a slow acknowledgement cannot lower the offered rate. Records when each was sent
 * and when its acknowledgement came back.
 */
export async function sendSteady(port, messages, perSecond) {
  const gapMs = 1000 / perSecond;
  const sentAt = new Map();
  const ackedAt = new Map();
  const statuses = {};
  const started = performance.now();
  const inFlight = [];
  for (const [index, message] of messages.entries()) {
    const due = started + index * gapMs;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    sentAt.set(message.token, Date.now());
    inFlight.push(
      postCallback(port, message.body).then((status) => {
        ackedAt.set(message.token, Date.now());
        statuses[status] = (statuses[status] ?? 0) + 1;
      }),
    );
  }
  await Promise.all(inFlight);
  return { sentAt, ackedAt, statuses };
}

/** Status counts → how many were not 2xx. */
export function non2xx(statuses) {
  return Object.entries(statuses).reduce((sum, [status, count]) => (status.startsWith('2') ? sum : sum + count), 0);
}
