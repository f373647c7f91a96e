import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

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
    model: z.string().trim().min(1).optional(),
    systemPrompt: z.string().trim().min(1).optional(),
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: z.number().int().min(1).optional(),
    cardTemplateId: z.string().trim().min(1).optional(),
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

/**
 * Reads `ROBOTS_FILE` (JSON or YAML: JSON is YAML, so one parser reads both) and checks it. Every
 * problem is returned as a line naming the file and the place in it, never a value: the file may
 * hold AppSecrets.
 */
export function readRobotsFile(path: string): { file: RobotsFile } | { problems: string[] } {
  const problem = (text: string) => ({ problems: [`${path}: ${text}`] });
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return problem(`cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    // The first line says where; the lines after it quote the file, which may hold a secret.
    return problem(`is not valid JSON or YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = robotsFileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    return { problems: parsed.error.issues.map((issue) => `${path}: ${issue.path.join('.') || '(file)'}: ${issue.message}`) };
  }
  return { file: parsed.data };
}
