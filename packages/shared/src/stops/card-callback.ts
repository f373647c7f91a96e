import { z } from 'zod';

/** The button actions our card template may carry; any other press is acknowledged and ignored. */
export const CARD_ACTIONS = ['stop', 'feedback_up', 'feedback_down'] as const;
export type CardAction = (typeof CARD_ACTIONS)[number];

/** A press on one of our cards, as the gateway hands it on. */
export interface CardPress {
  outTrackId: string;
  /** Who pressed: a staff id (cards are created with `userIdType` 1). */
  userId: string;
  action: CardAction;
}

const idSchema = z.string().min(1).max(256);

/**
 * The card callback DingTalk sends when a button of a card is pressed (Stream topic `/v1.0/card/instances/callback`
 * or an HTTP post): `content` is JSON in a string, whose `cardPrivateData.actionIds` name the button. Unknown keys are
 * allowed and dropped.
 */
const callbackSchema = z.object({
  type: z.literal('actionCallback'),
  outTrackId: idSchema,
  userId: idSchema,
  spaceType: z.string().max(64).optional(),
  content: z.string().max(64 * 1024),
});

const contentSchema = z.object({
  cardPrivateData: z.object({
    actionIds: z.array(z.string().max(256)).max(32),
    params: z.record(z.string(), z.unknown()).optional(),
  }),
});

export type CardCallbackReading =
  | { kind: 'press'; press: CardPress }
  /** Well formed, but no button of ours: acknowledged, nothing done. */
  | { kind: 'ignored'; reason: string }
  /** Not a card callback at all: the HTTP route answers 400, a Stream frame is ACKed with 400. */
  | { kind: 'invalid'; reason: string };

/** Reads a card callback's body, never throwing: what it names, or why it names nothing we act on. */
export function readCardCallback(json: string): CardCallbackReading {
  const outer = parseJson(json);
  if (outer === undefined) return { kind: 'invalid', reason: 'body is not JSON' };
  const callback = callbackSchema.safeParse(outer);
  if (!callback.success) return { kind: 'invalid', reason: 'not a card action callback' };
  const content = contentSchema.safeParse(parseJson(callback.data.content));
  if (!content.success) return { kind: 'invalid', reason: 'content is not card private data' };
  const action = content.data.cardPrivateData.actionIds.find((id): id is CardAction => (CARD_ACTIONS as readonly string[]).includes(id));
  if (!action) return { kind: 'ignored', reason: 'no action of ours' };
  return { kind: 'press', press: { outTrackId: callback.data.outTrackId, userId: callback.data.userId, action } };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
