import type { RedisClient } from '../redis/create-redis.js';
import type { RedisKeys } from '../redis/keys.js';
import type { PlaygroundTarget } from './playground-webhook.js';

/** Entries (questions and answers) kept per session transcript; older ones are dropped first. */
export const PLAYGROUND_TRANSCRIPT_ENTRIES = 200;

/** An answer as a page shows it, written by a worker into its session's transcript. */
export interface PlaygroundAnswer {
  title: string;
  /** Markdown, as the robot sends through a sessionWebhook. */
  text: string;
  /** Who the answer @-mentions, shown by the nick they spoke as. */
  atUserIds: string[];
}

/**
 * One script, so a session that ends meanwhile gets nothing: the session is alive (its expiry, in the sessions
 * set, is still ahead), then the answer is added to its transcript (trimmed, expiring with the session) and the
 * session's id is published on the playground's channel, which wakes whichever gateway holds the page's event
 * stream. Both keys are under the configured prefix and so share its hash tag (one Cluster slot); a publish
 * reaches every node's subscribers.
 * KEYS: sessions set, transcript. ARGV: session id, now (ms), entries kept, entry (JSON), channel.
 */
const DELIVER = `
local expires = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not expires or tonumber(expires) <= tonumber(ARGV[2]) then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[3], '*', 'entry', ARGV[4])
redis.call('PEXPIREAT', KEYS[2], string.format('%d', tonumber(expires)))
redis.call('PUBLISH', ARGV[5], ARGV[1])
return 1
`;

/**
 * Hands a playground answer to the gateways: into the session's transcript in Redis, the truth every gateway reads,
 * and a nudge to the one holding the page. No gateway needs to be reached, nor to hold the page: a page that opens
 * or reconnects later reads the answer from the transcript, as long as the session lives. `session_gone` when the
 * session has ended (closed, or idle past its life): nobody can see the answer, and nothing is written.
 */
export async function deliverPlaygroundAnswer(
  redis: RedisClient,
  keys: RedisKeys,
  target: PlaygroundTarget,
  answer: PlaygroundAnswer,
  now: number = Date.now(),
): Promise<'delivered' | 'session_gone'> {
  const entry = { kind: 'answer', chatId: target.chatId, title: answer.title, format: 'markdown', text: answer.text, atUserIds: answer.atUserIds, at: now };
  const delivered = await redis.eval(
    DELIVER,
    2,
    keys.playgroundSessions(),
    keys.playgroundTranscript(target.sessionId),
    target.sessionId,
    String(now),
    String(PLAYGROUND_TRANSCRIPT_ENTRIES),
    JSON.stringify(entry),
    keys.playgroundChannel(),
  );
  return Number(delivered) === 1 ? 'delivered' : 'session_gone';
}
