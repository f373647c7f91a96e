import { isListedUser } from '../access/listed-user.js';
import type { RedisClient } from '../redis/create-redis.js';
import type { RedisKeys } from '../redis/keys.js';

/** Longer than any answer is written: a mark outliving its job only answers a question nobody asks again. */
export const STOP_MARK_TTL_SECONDS = 3600;

/**
 * Asks whichever worker writes the job's answer to stop it. The mark is set first and then announced: a worker that
 * subscribed after the announcement still finds the mark when it starts watching, and one already watching hears
 * the announcement at once.
 */
export async function requestStop(redis: RedisClient, keys: Pick<RedisKeys, 'stopMark' | 'stopChannel'>, jobId: string): Promise<void> {
  await redis.set(keys.stopMark(jobId), '1', 'EX', STOP_MARK_TTL_SECONDS);
  await redis.publish(keys.stopChannel(), jobId);
}

/**
 * Whether `userId` may stop an answer to `asker`: the asker always; in a group, others only when `ADMIN_USERS` lists
 * them (a private chat's card is seen by the asker alone).
 */
export function mayStop(answer: { asker: string; group: boolean }, userId: string, admins: ReadonlySet<string>): boolean {
  if (userId === answer.asker || !answer.group) return true;
  return isListedUser(admins, { senderId: userId, senderStaffId: userId });
}
