import { z } from 'zod';

/**
 * Where a message came from, and so where its answer may go: DingTalk, or the gateway's own
 * playground page (whose answers go back to the playground and nowhere else).
 */
export const messageSourceSchema = z.enum(['dingtalk', 'playground']);
export type MessageSource = z.infer<typeof messageSourceSchema>;
