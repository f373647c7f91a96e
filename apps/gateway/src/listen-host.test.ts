import { describe, expect, it } from 'vitest';
import { chooseListenHost } from './listen-host.js';

describe('chooseListenHost', () => {
  it.each([
    ['no credentials, the playground standing in', { PLAYGROUND: true }, 0, { host: '127.0.0.1', loopbackBecause: 'no DingTalk credentials are set' }],
    ['credentials, the playground off', { PLAYGROUND: false }, 1, { host: '0.0.0.0' }],
    ['credentials and PLAYGROUND=true beside them', { PLAYGROUND: true }, 2, { host: '0.0.0.0' }],
  ])('%s → %o', (_, settings, robots, choice) => {
    expect(chooseListenHost(settings, robots)).toEqual(choice);
  });
});
