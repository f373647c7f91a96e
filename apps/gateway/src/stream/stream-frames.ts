import { z } from 'zod';

/** The topic of robot messages. */
export const ROBOT_MESSAGE_TOPIC = '/v1.0/im/bot/messages/get';
/** The topic of presses of a card's buttons (cards created with `callbackType: "STREAM"`). */
export const CARD_CALLBACK_TOPIC = '/v1.0/card/instances/callback';

/**
 * A frame DingTalk pushes: `type` SYSTEM, EVENT or CALLBACK, `headers.topic` says what it is,
 * `headers.messageId` is echoed in its ACK, and `data` is a JSON document serialised as a string.
 * Unknown keys are allowed; a frame without type or topic cannot be answered.
 */
export const streamFrameSchema = z.object({
  type: z.string(),
  headers: z.looseObject({
    topic: z.string(),
    messageId: z.string().min(1).optional(),
  }),
  data: z.string().default(''),
});

export type StreamFrame = z.infer<typeof streamFrameSchema>;

/** What a robot message's ACK carries in `data`; DingTalk ignores it today. */
export const EMPTY_RESPONSE = JSON.stringify({ response: null });
/** An EVENT's ACK tells DingTalk not to push it again. */
export const EVENT_SUCCESS = JSON.stringify({ status: 'SUCCESS', message: 'success' });

/** The ACK of one frame, as text: `code` a number, `data` a string (JSON serialised as a string). */
export function ackFrame(messageId: string, code: number, message: string, data: string): string {
  return JSON.stringify({ code, headers: { contentType: 'application/json', messageId }, message, data });
}
