import { describe, expect, it } from 'vitest';
import { chooseListenHost } from './listen-host.js';

describe('chooseListenHost', () => {
  it.each([
    ['no credentials, the playground standing in, HOST unset', { PLAYGROUND: true }, 0, { host: '127.0.0.1', loopbackBecause: 'no DingTalk credentials are set' }],
    ['credentials, the playground off, HOST unset', { PLAYGROUND: false }, 1, { host: '0.0.0.0' }],
    ['credentials and PLAYGROUND=true beside them, HOST unset', { PLAYGROUND: true }, 2, { host: '0.0.0.0' }],
    ['no credentials but HOST=0.0.0.0 set by the operator', { PLAYGROUND: true, HOST: '0.0.0.0' }, 0, { host: '0.0.0.0' }],
    ['credentials and HOST=10.0.0.5', { PLAYGROUND: false, HOST: '10.0.0.5' }, 1, { host: '10.0.0.5' }],
  ])('%s → %o', (_, settings, robots, choice) => {
    expect(chooseListenHost(settings, robots)).toEqual(choice);
  });
});
