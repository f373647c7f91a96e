import { describe, expect, it } from 'vitest';
import { imageTypeOf } from './image-type.js';

describe('imageTypeOf', () => {
  it.each([
    ['png', Buffer.from('89504e470d0a1a0a0000', 'hex'), 'image/png'],
    ['jpeg', Buffer.from('ffd8ffe000104a464946', 'hex'), 'image/jpeg'],
    ['gif', Buffer.from('GIF89a....', 'latin1'), 'image/gif'],
    ['webp', Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 ')]), 'image/webp'],
    ['heic', Buffer.concat([Buffer.alloc(4), Buffer.from('ftypheic')]), undefined],
    ['a zip file', Buffer.from('504b0304', 'hex'), undefined],
    ['nothing', Buffer.alloc(0), undefined],
  ])('reads %s', (_name, bytes, type) => {
    expect(imageTypeOf(bytes)).toBe(type);
  });
});
