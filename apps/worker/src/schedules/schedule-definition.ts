import { z } from 'zod';

/**
 * A scheduled prompt, as each of its ticks carries it: where it is asked, as whom, and what. The chat is the robot
 * and the conversation; in a private chat the answer goes to `senderStaffId` (the admin who set it up, or the
 * file's sender), in a group to the group.
 */
export const scheduleDefinitionSchema = z.object({
  id: z.string().min(1),
  robotCode: z.string().min(1),
  conversationId: z.string().min(1),
  group: z.boolean(),
  conversationTitle: z.string().optional(),
  /** Who asks at each tick: their access, roles, quotas and memory thread apply as if they had typed it. */
  senderId: z.string().min(1),
  senderStaffId: z.string().min(1),
  senderNick: z.string(),
  prompt: z.string().min(1),
  /** A persona of the catalogue to ask as; absent = the thread's own. */
  persona: z.string().min(1).optional(),
  pattern: z.string().min(1),
  timeZone: z.string().min(1),
  /** Set up in the chat (`/schedule`) or declared in `SCHEDULES_FILE` (kept in step with the file at each start). */
  origin: z.enum(['chat', 'file']),
  /**
   * A playground session's schedule: answered through the session's playground webhook and nowhere else, and
   * `once` (it fires at one tick, then is gone). Absent = a DingTalk chat's, answered through the OpenAPI.
   */
  playground: z.object({ sessionWebhook: z.string().url() }).optional(),
  /** Fires at its next tick only, then is removed. */
  once: z.boolean().optional(),
});

export type ScheduleDefinition = z.infer<typeof scheduleDefinitionSchema>;
