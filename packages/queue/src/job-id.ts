/**
 * Between a conversation's order key and its turn number. BullMQ refuses custom job ids that contain ':' (it
 * builds its keys with it), so the separator is not ':'; order keys are digests without ':' or '.'.
 */
const JOB_ID_SEPARATOR = '.';

/** Job ids name the conversation's turn, so a worker can ask whether a predecessor was ever stored. */
export function jobIdFor(orderKey: string, seq: number): string {
  return `${orderKey}${JOB_ID_SEPARATOR}${seq}`;
}

/**
 * `jobIdFor` as a Lua expression, for a script that learns the turn number itself (the turn script that numbers
 * messages schedules their queue notices under their job ids). Both arguments are Lua expressions.
 */
export function jobIdLua(orderKeyExpression: string, seqExpression: string): string {
  return `${orderKeyExpression} .. '${JOB_ID_SEPARATOR}' .. ${seqExpression}`;
}
