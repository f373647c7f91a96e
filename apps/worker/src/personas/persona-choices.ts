import type { MessageJob, RedisClient, ShardKeys } from '@dtbot/shared';
import type { WorkerRobotOptions } from '../robot-options.js';
import { DEFAULT_PERSONA, type PersonaCatalog } from './persona-catalog.js';

/**
 * A chosen persona outlives the thread's memory (minutes) so it feels like a setting, but not
 * forever: a thread nobody switches again goes back to the default after this long.
 */
const CHOICE_TTL_SECONDS = 30 * 86_400;

/**
 * Which persona each memory thread (order key) chose, in Redis so every worker sees it. A thread,
 * not a user or a group: the persona shapes the answers its memory holds, so the people who share a
 * memory (a whole group with `MEMORY_SCOPE=group`) share its persona, and one member's switch does
 * not change anyone else's answers when each has their own thread.
 */
export class PersonaChoices {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: ShardKeys,
  ) {}

  async get(orderKey: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.persona(orderKey))) ?? undefined;
  }

  /** The key a thread's choice is kept under, for a caller that reads it together with the thread's memory. */
  keyOf(orderKey: string): string {
    return this.keys.persona(orderKey);
  }

  /** Choosing the default forgets the choice. */
  async set(orderKey: string, name: string): Promise<void> {
    if (name === DEFAULT_PERSONA) await this.redis.del(this.keys.persona(orderKey));
    else await this.redis.set(this.keys.persona(orderKey), name, 'EX', CHOICE_TTL_SECONDS);
  }
}

export interface CurrentPersona {
  name: string;
  /** The system prompt; `undefined` for the default persona of a robot without a system prompt. */
  prompt: string | undefined;
}

/** What `currentPersona` reads: named here, not picked from the worker's deps, as those deps import this file. */
export interface PersonaSources {
  personaChoices: PersonaChoices;
  personas: PersonaCatalog;
  robotOptions(robotCode: string): WorkerRobotOptions;
}

/**
 * The persona this message is answered as: a scheduled prompt's own, else the thread's choice while the catalogue still has it,
 * else the default: its robot's system prompt (`ROBOTS_FILE`, else `SYSTEM_PROMPT`).
 */
export async function currentPersona(
  deps: PersonaSources,
  message: Pick<MessageJob, 'orderKey' | 'robotCode' | 'persona'>,
): Promise<CurrentPersona> {
  // A scheduled prompt's own persona goes over the thread's choice: no need to read that.
  if (message.persona !== undefined) return personaChosen(deps, message, undefined);
  return personaChosen(deps, message, await deps.personaChoices.get(message.orderKey));
}

/** The persona of a thread whose choice (`chosen`, as stored) was read already; a scheduled prompt's own goes over it. */
export function personaChosen(
  deps: Omit<PersonaSources, 'personaChoices'>,
  message: Pick<MessageJob, 'robotCode' | 'persona'>,
  chosen: string | null | undefined,
): CurrentPersona {
  const name = message.persona ?? chosen;
  const persona = name ? deps.personas.findPersona(name) : undefined;
  if (persona) return { name: persona.name, prompt: persona.prompt };
  return { name: DEFAULT_PERSONA, prompt: deps.robotOptions(message.robotCode).systemPrompt };
}
