import { z } from 'zod';
import { readCheckedFile } from '../config/read-checked-file.js';

/**
 * One robot of `ROBOTS_FILE`: which robot (its AppKey), optionally its AppSecret, and what differs
 * from the deployment's settings. Unknown keys are refused, so a misspelt option is not silently
 * ignored.
 */
export const robotEntrySchema = z
  .object({
    /** AppKey / Client ID: the robot's code. */
    appKey: z.string().trim().min(1),
    /** AppSecret; may instead come from `DINGTALK_CREDENTIALS` or `DINGTALK_APP_SECRET`. */
    appSecret: z.string().trim().min(1).optional(),
    /** A name for logs and metrics. */
    name: z.string().trim().min(1).optional(),
    memoryScope: z.enum(['user', 'group', 'none']).optional(),
    /** Token budget of a thread's remembered turns, oldest dropped first; absent = the worker's `MEMORY_MAX_TOKENS`. */
    memoryMaxTokens: z.number().int().min(100).optional(),
    model: z.string().trim().min(1).optional(),
    systemPrompt: z.string().trim().min(1).optional(),
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: z.number().int().min(1).optional(),
    cardTemplateId: z.string().trim().min(1).optional(),
    /** The template's markdown variable the answer streams into; absent = `content`. */
    cardContentKey: z.string().regex(/^\w+$/, 'letters, digits and _ only').optional(),
    /** HTTP mode: the callback route key registered for `POST /dingtalk/card-callback`; absent = presses come over Stream. */
    cardCallbackRouteKey: z.string().regex(/^[\w.-]+$/, 'letters, digits, _ . - only').optional(),
    /** Whether this robot's model reads pictures (`OPENAI_VISION`). */
    vision: z.boolean().optional(),
    /**
     * A Dify app that answers this robot's questions instead of the deployment's providers: its API base, its
     * key, and the name its calls are counted under (`dify` unless given).
     */
    dify: z
      .object({ baseUrl: z.string().url(), apiKey: z.string().trim().min(1), app: z.string().trim().min(1).optional() })
      .strict()
      .optional(),
    /** This robot's own daily budget in US dollars (on top of `BUDGET_DAILY_USD` for all robots); 0 = none. */
    budgetDailyUsd: z.number().min(0).optional(),
  })
  .strict();

export const robotsFileSchema = z
  .object({ robots: z.array(robotEntrySchema).min(1, 'lists no robot') })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.robots.forEach((robot, index) => {
      if (seen.has(robot.appKey)) {
        ctx.addIssue({ code: 'custom', path: ['robots', index, 'appKey'], message: `${robot.appKey} is listed twice` });
      }
      seen.add(robot.appKey);
    });
  });

export type RobotEntry = z.infer<typeof robotEntrySchema>;
export type RobotsFile = z.infer<typeof robotsFileSchema>;

/** Reads `ROBOTS_FILE` and checks it; problems name the file and the place, never a value (it may hold AppSecrets). */
export function readRobotsFile(path: string): { file: RobotsFile } | { problems: string[] } {
  const read = readCheckedFile(path, robotsFileSchema);
  return 'problems' in read ? read : { file: read.value };
}
