import type { WorkerDeps } from '../deps.js';
import type { ScheduleDefinition } from './schedule-definition.js';

export type SyncSchedulesDeps = Pick<WorkerDeps, 'schedules' | 'logger'>;

/**
 * Puts the file's schedules in Redis at start: each one added or replaced, and each one the file declared before
 * and no longer does removed. Every worker does it at its start; doing it twice changes nothing.
 */
export async function syncSchedulesFile(deps: SyncSchedulesDeps, declared: readonly ScheduleDefinition[]): Promise<{ upserted: number; removed: number }> {
  const before = await deps.schedules.fileIds();
  for (const definition of declared) await deps.schedules.upsert(definition);
  const now = new Set(declared.map(({ id }) => id));
  const gone = before.filter((id) => !now.has(id));
  for (const id of gone) {
    const found = await deps.schedules.read(id);
    if (found) await deps.schedules.remove(found.definition);
  }
  await deps.schedules.setFileIds([...now]);
  if (declared.length > 0 || gone.length > 0) deps.logger.info({ upserted: declared.length, removed: gone.length }, 'scheduled prompts of SCHEDULES_FILE in place');
  return { upserted: declared.length, removed: gone.length };
}
