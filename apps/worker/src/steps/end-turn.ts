import type { MessageJob } from '@dtbot/shared';
import type { WorkerDeps } from '../deps.js';
import { wake } from './take-turn.js';

export type EndTurnDeps = Pick<WorkerDeps, 'turns' | 'queue'>;

/** Ends this message's turn and wakes the conversation's next message, if it is parked. */
export async function endTurn(deps: EndTurnDeps, data: MessageJob): Promise<void> {
  await wake(deps, await deps.turns.finish(data));
}
