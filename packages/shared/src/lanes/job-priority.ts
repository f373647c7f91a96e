import { MAX_JOB_PRIORITY } from '@dtbot/queue';
import type { Lane } from './lane.js';

/** Each lane has half of BullMQ's priorities; the priority lane the larger half of an odd count. */
const LANE_SPAN = Math.ceil(MAX_JOB_PRIORITY / 2);

/**
 * The BullMQ priority of a message, from its lane and its conversation's load (its unanswered messages, itself
 * included, from the turn script); `undefined` = BullMQ's plain wait list. BullMQ serves the plain wait list first,
 * in arrival order, then prioritized jobs by lowest number, each number in arrival order. So:
 *
 * - the priority lane: a conversation's first unanswered message goes to the plain wait list, its n-th gets
 *   priority n;
 * - the normal lane: priority `LANE_SPAN + n`, above every number of the priority lane.
 *
 * Every priority-lane message is served before any normal one, and within each lane a conversation's n-th message
 * waits behind every other conversation's earlier ones, so a flooding group (or a flooding VIP) cannot starve the
 * others of its lane. Order within one memory thread is kept by the turns, whatever the lanes.
 */
export function jobPriorityFor(lane: Lane, load: number): number | undefined {
  const n = Math.max(1, Math.trunc(load));
  if (lane === 'normal') return LANE_SPAN + Math.min(n, MAX_JOB_PRIORITY - LANE_SPAN);
  return n === 1 ? undefined : Math.min(n, LANE_SPAN);
}

/**
 * `jobPriorityFor` as a Lua expression, for the script that stores a message once it knows its conversation's load:
 * evaluates to the priority, or nil for the plain wait list. `laneExpression` and `loadExpression` are Lua
 * expressions; a test holds the two to the same answers.
 */
export function jobPriorityLua(laneExpression: string, loadExpression: string): string {
  const n = `math.max(1, math.floor(${loadExpression}))`;
  return `(function(lane, n)
  if lane == 'normal' then return ${LANE_SPAN} + math.min(n, ${MAX_JOB_PRIORITY - LANE_SPAN}) end
  if n == 1 then return nil end
  return math.min(n, ${LANE_SPAN})
end)(${laneExpression}, ${n})`;
}
