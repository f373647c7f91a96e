import { z } from 'zod';
import { isListedUser, type ListedSender } from '../access/listed-user.js';
import type { MessageSource } from '../jobs/message-source.js';
import { commandWordsOf, recognizeCommand, type CommandWords } from '../commands/recognize-command.js';
import type { CommonConfig } from '../config/schema.js';

/**
 * Which lane a message waits in. `priority`: an admin's or a VIP's message, or a command; served before every
 * message of the `normal` lane (`jobPriorityFor`). Stored in the job; a job without it (stored before there were
 * lanes) is `normal`.
 */
export const laneSchema = z.enum(['priority', 'normal']);
export type Lane = z.infer<typeof laneSchema>;

export interface LaneRules {
  /** `ADMIN_USERS` and `VIP_USERS`: staff ids or sender ids. */
  admins: readonly string[];
  vips: readonly string[];
  /** A message that is one of these commands takes the priority lane, whoever sends it. */
  commandWords: CommandWords;
}

/**
 * Decides a message's lane when the gateway stores it, from what it has verified: the sender against the admin and
 * VIP lists (by the rule every user list follows, `isListedUser`) and the text against the command words. The
 * worker reads the same settings, so a message the gateway sends ahead as a command is answered as one.
 */
export class LanePolicy {
  private readonly people: ReadonlySet<string>;

  constructor(private readonly rules: LaneRules) {
    this.people = new Set([...rules.admins, ...rules.vips]);
  }

  /**
   * The lane of a message from `sender` whose text (as the worker reads it, `extractPrompt`) is `prompt`.
   * `source` is required here, not optional as in a job: the gateway must say where the message came from,
   * since a sender nobody vouched for (the playground's, who names themselves) is on no list, and then only
   * a command takes the priority lane. `command`: `isCommand(prompt)`, when the caller has asked it already.
   */
  laneOf(sender: ListedSender & { source: MessageSource | undefined }, prompt: string, command?: boolean): Lane {
    if (this.people.size > 0 && isListedUser(this.people, sender)) return 'priority';
    return (command ?? this.isCommand(prompt)) ? 'priority' : 'normal';
  }

  /** Whether the worker will read `prompt` as one of its commands. */
  isCommand(prompt: string): boolean {
    return recognizeCommand(prompt, this.rules.commandWords) !== undefined;
  }
}

/** The lane policy of the settings both apps read (`ADMIN_USERS`, `VIP_USERS`, the command words). */
export function lanePolicyFrom(config: CommonConfig): LanePolicy {
  return new LanePolicy({ admins: config.ADMIN_USERS, vips: config.VIP_USERS, commandWords: commandWordsOf(config) });
}
