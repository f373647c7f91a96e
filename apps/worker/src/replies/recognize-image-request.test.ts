import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recognizeImageRequest } from './recognize-image-request.js';

const settings = { imageCommands: ['/image', '#图片'] };

describe('recognizeImageRequest', () => {
  it.each([
    ['/image 一只猫', '一只猫'],
    ['/IMAGE a cat on the moon', 'a cat on the moon'],
    ['#图片一只在雪地里奔跑的柴犬', '一只在雪地里奔跑的柴犬'],
    ['#图片 ：日落', '日落'],
    ['  /image:  sunset  ', 'sunset'],
    ['/image\n两行\n描述', '两行\n描述'],
  ])('%j asks for %j', (text, prompt) => {
    expect(recognizeImageRequest(text, settings)?.prompt).toBe(prompt);
  });

  it('sees a bare image word as a request without a description', () => {
    expect(recognizeImageRequest('/image', settings)).toEqual({ word: '/image', prompt: '' });
    expect(recognizeImageRequest('#图片  ', settings)).toEqual({ word: '#图片', prompt: '' });
  });

  it.each(['/imagery is a word', 'draw /image of a cat', '图片', 'hello'])('%j is no image request', (text) => {
    expect(recognizeImageRequest(text, settings)).toBeUndefined();
  });
});

describe('recognizeImageRequest on hostile text', () => {
  it('ends within a second on up to 100,000 characters; the prompt is trimmed text the message holds', () => {
    const text = fc.oneof(hostileText(), fc.tuple(fc.constantFrom('/image', '#图片', '/IMAGE'), hostileText()).map(([word, rest]) => word + rest));
    fc.assert(
      fc.property(text, (message) => {
        const { value: request, ms } = timed(() => recognizeImageRequest(message, settings));
        expect(ms).toBeLessThan(1000);
        if (!request) return;
        expect(settings.imageCommands).toContain(request.word);
        expect(request.prompt).toBe(request.prompt.trim());
        expect(message.trim().endsWith(request.prompt)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
