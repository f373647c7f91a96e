import { sleep } from '@dtbot/shared';
import type { WorkerDeps } from '../../deps.js';
import type { RobotApp } from '../../dingtalk/dingtalk-client.js';
import { classifyError } from '../../failures/classify-error.js';
import { trackDepartures } from '../../http/request-departures.js';
import type { CallNeed } from './card-call-budget.js';
import { WorkerFailure } from '../../failures/worker-failure.js';

export type CardCallDeps = Pick<WorkerDeps, 'dingtalk' | 'cardBudget' | 'settings'>;

type Json = Record<string, unknown>;

const isThrottled = (error: unknown) => classifyError(error).kind === 'rate_limited';

/** The call itself, once its slot was granted, counted in the window from when it leaves. */
async function send(deps: CardCallDeps, app: RobotApp, callId: string, method: 'POST' | 'PUT', path: string, body: Json): Promise<Json> {
  let departed: Promise<void> = Promise.resolve();
  const depart = () => {
    departed = deps.cardBudget.depart(app.appKey, callId).catch(() => undefined);
  };
  try {
    return await trackDepartures(depart, () => deps.dingtalk.callApi(app, method, path, body, 'card'));
  } finally {
    await departed;
  }
}

/**
 * A card call that must happen (creating or finishing a card): it waits for the shared budget, and
 * when DingTalk answers `QpsLimit` anyway, every worker holds back the app's card calls (1 s,
 * doubling on each repeat) and this one tries again. Past `card.maxWaitMs` the job is handed back
 * to wait as rate-limited, keeping its card. `body` is built for each try: a streaming update needs
 * a new guid every time.
 */
export async function requiredCardCall(deps: CardCallDeps, app: RobotApp, method: 'POST' | 'PUT', path: string, body: () => Json): Promise<Json> {
  const { maxWaitMs, throttleBackoffMs } = deps.settings.card;
  const deadline = Date.now() + maxWaitMs;
  let backoff = throttleBackoffMs;
  for (;;) {
    const slot = await deps.cardBudget.take(app.appKey, 'required');
    let wait = slot.waitMs;
    if (wait === 0) {
      try {
        return await send(deps, app, slot.callId, method, path, body());
      } catch (error) {
        if (!isThrottled(error)) throw error;
        wait = await deps.cardBudget.pause(app.appKey, backoff);
        backoff *= 2;
      }
    }
    if (Date.now() + wait > deadline) {
      throw new WorkerFailure('card_budget_exhausted', `card API calls of this robot are over their budget for ${maxWaitMs} ms`, {
        retryAfterMs: wait,
      });
    }
    await sleep(wait);
  }
}

/**
 * A card call that may be dropped (an intermediate draft: the next one carries the whole text);
 * `need` is `first` for a card's first draft, which may use the whole budget. Resolves 0 once DingTalk
 * took it; otherwise, when the budget has no room now or DingTalk throttled it (every worker then
 * holds back the app's card calls for `card.throttleBackoffMs`), with the ms after which another try
 * may find room. Other failures are thrown.
 */
export async function optionalCardCall(
  deps: CardCallDeps,
  app: RobotApp,
  method: 'POST' | 'PUT',
  path: string,
  body: Json,
  need: Exclude<CallNeed, 'required'> = 'optional',
): Promise<number> {
  const slot = await deps.cardBudget.take(app.appKey, need);
  if (slot.waitMs > 0) return slot.waitMs;
  try {
    await send(deps, app, slot.callId, method, path, body);
    return 0;
  } catch (error) {
    if (!isThrottled(error)) throw error;
    return deps.cardBudget.pause(app.appKey, deps.settings.card.throttleBackoffMs);
  }
}
