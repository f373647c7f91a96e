import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCardCallback } from './card-callback.js';
import { mayStop } from './request-stop.js';

const callback = (content: unknown, more: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'actionCallback', outTrackId: 'track-1', userId: 'user-1', spaceType: 'IM_GROUP', content: JSON.stringify(content), ...more });
const pressOf = (...actionIds: string[]) => callback({ cardPrivateData: { actionIds, params: {} } });

describe('readCardCallback', () => {
  it.each([
    ['stop', 'stop'],
    ['feedback_up', 'feedback_up'],
    ['feedback_down', 'feedback_down'],
  ])('reads the button %j as the action %j, with the card and who pressed', (actionId, action) => {
    expect(readCardCallback(pressOf(actionId))).toEqual({ kind: 'press', press: { outTrackId: 'track-1', userId: 'user-1', action } });
  });

  it('takes the first button of ours when several are named, and ignores buttons that are none of ours', () => {
    expect(readCardCallback(pressOf('open_link', 'feedback_down', 'stop'))).toMatchObject({ press: { action: 'feedback_down' } });
    expect(readCardCallback(pressOf('open_link'))).toEqual({ kind: 'ignored', reason: 'no action of ours' });
    expect(readCardCallback(pressOf())).toMatchObject({ kind: 'ignored' });
  });

  it.each([
    ['not JSON', 'stop'],
    ['JSON that is not an object', '"stop"'],
    ['another callback type', callback({ cardPrivateData: { actionIds: ['stop'] } }, { type: 'dataSync' })],
    ['no outTrackId', callback({ cardPrivateData: { actionIds: ['stop'] } }, { outTrackId: '' })],
    ['no userId', callback({ cardPrivateData: { actionIds: ['stop'] } }, { userId: undefined })],
    ['content that is not JSON', JSON.stringify({ type: 'actionCallback', outTrackId: 't', userId: 'u', content: '{' })],
    ['content without cardPrivateData', callback({ actionIds: ['stop'] })],
    ['actionIds that are not strings', callback({ cardPrivateData: { actionIds: [1] } })],
    ['content as an object, not a string', JSON.stringify({ type: 'actionCallback', outTrackId: 't', userId: 'u', content: { cardPrivateData: { actionIds: ['stop'] } } })],
  ])('calls %s invalid', (_what, body) => {
    expect(readCardCallback(body).kind).toBe('invalid');
  });

  it('ends quickly on any text and never throws: hostile bodies, and hostile content inside a well-formed callback', () => {
    const body = fc.oneof(
      hostileText(),
      hostileText({ maxLength: 2000 }).map((content) => JSON.stringify({ type: 'actionCallback', outTrackId: 't', userId: 'u', content })),
      fc.array(hostileText({ maxLength: 300 }), { maxLength: 40 }).map((ids) => pressOf(...ids)),
    );
    fc.assert(
      fc.property(body, (text) => {
        const { value: reading, ms } = timed(() => readCardCallback(text));
        expect(ms).toBeLessThan(1000);
        expect(['press', 'ignored', 'invalid']).toContain(reading.kind);
        if (reading.kind === 'press') expect(['stop', 'feedback_up', 'feedback_down']).toContain(reading.press.action);
      }),
      { numRuns: 200 },
    );
  });
});

describe('mayStop', () => {
  const admins = new Set(['boss']);
  it('lets the asker stop anywhere, an admin in a group, and anyone in a private chat (the card is the asker\'s alone)', () => {
    expect(mayStop({ asker: 'li', group: true }, 'li', admins)).toBe(true);
    expect(mayStop({ asker: 'li', group: true }, 'boss', admins)).toBe(true);
    expect(mayStop({ asker: 'li', group: true }, 'wang', admins)).toBe(false);
    expect(mayStop({ asker: 'li', group: false }, 'li', admins)).toBe(true);
  });
});
