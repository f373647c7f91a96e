/**
 * BullMQ's lowest priority (highest number), 2^21 - 1: it refuses a larger one when the job is added. 0 and no
 * priority both mean its plain wait list.
 */
export const MAX_JOB_PRIORITY = 2_097_151;

/**
 * BullMQ scores a prioritized job `priority * PRIORITY_SCORE_STEP + arrival counter`: a priority's jobs lie in one
 * step of scores, in arrival order. Scores stay below 2^53, exact in a double and in Lua's numbers. The scripts
 * that read the prioritized set (`queue-position.ts`, `oldest-prioritized.ts`) rely on it; the contract suite
 * checks it against the pinned BullMQ.
 */
export const PRIORITY_SCORE_STEP = 2 ** 32;
