import { randomUUID } from 'node:crypto';
import type { MessageJob } from '@dtbot/shared';

export const CREATE_AND_DELIVER_PATH = '/v1.0/card/instances/createAndDeliver';
export const STREAMING_PATH = '/v1.0/card/streaming';
export const INSTANCES_PATH = '/v1.0/card/instances';

/**
 * `flowStatus` values of DingTalk's AI-card templates: a template may bind a loading state, the
 * text being written, the finished answer and a failure to them. A template that does not use the
 * variable ignores it.
 */
export const FLOW_STATUS = { processing: '1', inputing: '2', finished: '3', failed: '5' } as const;

type Json = Record<string, unknown>;

/** Where a card of this job goes, or undefined when it cannot have one (a private chat with no staff id). */
export function cardSpace(job: Pick<MessageJob, 'conversationType' | 'conversationId' | 'senderStaffId'>): string | undefined {
  if (job.conversationType === '2') return `dtv1.card//IM_GROUP.${job.conversationId}`;
  return job.senderStaffId ? `dtv1.card//IM_ROBOT.${job.senderStaffId}` : undefined;
}

/**
 * `createAndDeliver`: a card of `templateId` in the chat the job came from, empty and already in the
 * "inputing" state: only an answer that streams gets a card, and a template that binds `flowStatus`
 * shows streamed text only while "inputing", so the card starts there instead of costing one more call
 * before its first words. In a group it @-mentions the asker (by staff id; external users have none),
 * in a private chat it goes to the robot's chat with the sender. Every `cardParamMap` value is a string.
 * Presses of the card's buttons (stop, feedback) come back over the robot's Stream connection, or, with a
 * `callbackRouteKey` (HTTP mode), to the address DingTalk has registered under that key.
 */
export function createCardBody(
  job: Pick<MessageJob, 'conversationType' | 'conversationId' | 'senderStaffId' | 'senderNick'>,
  card: { outTrackId: string; templateId: string; robotCode: string; contentKey: string; callbackRouteKey?: string | undefined },
): Json {
  const openSpaceId = cardSpace(job);
  const common = {
    cardTemplateId: card.templateId,
    outTrackId: card.outTrackId,
    cardData: { cardParamMap: { [card.contentKey]: '', flowStatus: FLOW_STATUS.inputing, stopped: 'false' } },
    ...(card.callbackRouteKey ? { callbackType: 'HTTP', callbackRouteKey: card.callbackRouteKey } : { callbackType: 'STREAM' }),
    openSpaceId,
    userIdType: 1,
  };
  if (job.conversationType === '2') {
    const atUserIds = job.senderStaffId ? { [job.senderStaffId]: job.senderNick || job.senderStaffId } : undefined;
    return {
      ...common,
      imGroupOpenSpaceModel: { supportForward: true },
      imGroupOpenDeliverModel: { robotCode: card.robotCode, ...(atUserIds ? { atUserIds } : {}) },
    };
  }
  return {
    ...common,
    imRobotOpenSpaceModel: { supportForward: true },
    imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode: card.robotCode },
  };
}

/**
 * The template variable an answer streams into unless the robot's `ROBOTS_FILE` entry names another
 * (`cardContentKey`): `content`, the name DingTalk's AI-card templates give their markdown component.
 */
export const CARD_CONTENT_KEY = 'content';

/**
 * The route key card presses are sent to unless the robot's `ROBOTS_FILE` entry gives one (`cardCallbackRouteKey`):
 * none, so they come over the robot's Stream connection, which needs nothing registered.
 */
export const CARD_CALLBACK_ROUTE_KEY: string | undefined = undefined;

/**
 * One streaming update: the whole text so far (`isFull`), under a new `guid` every call (DingTalk
 * takes the guid as the update's identity, so a repeated one is refused).
 */
export function streamingBody(
  outTrackId: string,
  contentKey: string,
  text: string,
  end: { isFinalize?: boolean; isError?: boolean } = {},
): Json {
  return {
    outTrackId,
    guid: randomUUID(),
    key: contentKey,
    content: text,
    isFull: true,
    isFinalize: end.isFinalize ?? false,
    isError: end.isError ?? false,
  };
}

/**
 * Sets the card's `flowStatus` (and any other variables given), leaving the rest as they are
 * (`updateCardDataByKey`).
 */
export function flowStatusBody(outTrackId: string, flowStatus: string, variables: Record<string, string> = {}): Json {
  return {
    outTrackId,
    cardData: { cardParamMap: { ...variables, flowStatus } },
    cardUpdateOptions: { updateCardDataByKey: true },
  };
}
