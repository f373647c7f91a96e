import { describe, expect, it } from 'vitest';
import { cardSpace, createCardBody, flowStatusBody, streamingBody } from './card-requests.js';

const card = { outTrackId: 't-1', templateId: 'tpl.schema', robotCode: 'robot', contentKey: 'content' };

describe('card requests', () => {
  it('deliver a group card into the group, @-mentioning the asker, every card variable a string, already inputing', () => {
    const body = createCardBody({ conversationType: '2', conversationId: 'cid', senderStaffId: 's1', senderNick: '小李' }, card);
    expect(body).toEqual({
      cardTemplateId: 'tpl.schema',
      outTrackId: 't-1',
      cardData: { cardParamMap: { content: '', flowStatus: '2', stopped: 'false' } },
      callbackType: 'STREAM',
      openSpaceId: 'dtv1.card//IM_GROUP.cid',
      userIdType: 1,
      imGroupOpenSpaceModel: { supportForward: true },
      imGroupOpenDeliverModel: { robotCode: 'robot', atUserIds: { s1: '小李' } },
    });
  });

  it('deliver a private card to the sender, and a group card of an external asker to nobody in particular', () => {
    expect(createCardBody({ conversationType: '1', conversationId: 'cid', senderStaffId: 's1', senderNick: 'Li' }, card)).toMatchObject({
      openSpaceId: 'dtv1.card//IM_ROBOT.s1',
      imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode: 'robot' },
    });
    const external = createCardBody({ conversationType: '2', conversationId: 'cid', senderStaffId: undefined, senderNick: 'Guest' }, card);
    expect(external.imGroupOpenDeliverModel).toEqual({ robotCode: 'robot' });
  });

  it('send presses of their buttons over Stream, or by HTTP to the registered route key when there is one', () => {
    const job = { conversationType: '2' as const, conversationId: 'cid', senderStaffId: 's1', senderNick: 'Li' };
    expect(createCardBody(job, card)).toMatchObject({ callbackType: 'STREAM' });
    expect(createCardBody(job, card)).not.toHaveProperty('callbackRouteKey');
    expect(createCardBody(job, { ...card, callbackRouteKey: 'dtbot-cards' })).toMatchObject({ callbackType: 'HTTP', callbackRouteKey: 'dtbot-cards' });
  });

  it('have no place for a private chat without the sender\'s staff id', () => {
    expect(cardSpace({ conversationType: '1', conversationId: 'cid', senderStaffId: undefined })).toBeUndefined();
  });

  it('stream the whole text under a new guid every call', () => {
    const first = streamingBody('t-1', 'answer', 'so far');
    const last = streamingBody('t-1', 'answer', 'all of it', { isFinalize: true, isError: true });
    expect(first).toMatchObject({ outTrackId: 't-1', key: 'answer', content: 'so far', isFull: true, isFinalize: false, isError: false });
    expect(last).toMatchObject({ content: 'all of it', isFinalize: true, isError: true });
    expect(first.guid).not.toBe(last.guid);
  });

  it('change the flow status (and the variables given), leaving the others in place', () => {
    expect(flowStatusBody('t-1', '2')).toEqual({
      outTrackId: 't-1',
      cardData: { cardParamMap: { flowStatus: '2' } },
      cardUpdateOptions: { updateCardDataByKey: true },
    });
    expect(flowStatusBody('t-1', '3', { content: 'all of it' })).toMatchObject({ cardData: { cardParamMap: { content: 'all of it', flowStatus: '3' } } });
  });
});
