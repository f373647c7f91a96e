import { describe, expect, it } from 'vitest';
import { isAllowedWebhook, normaliseOrigins } from './webhook-origins.js';

const allowed = normaliseOrigins(['https://oapi.dingtalk.com/', 'https://api.dingtalk.com']);

describe('isAllowedWebhook', () => {
  it('accepts DingTalk session webhooks', () => {
    expect(isAllowedWebhook('https://oapi.dingtalk.com/robot/sendBySession?session=abc', allowed)).toBe(true);
  });

  it.each([
    'http://oapi.dingtalk.com/robot/sendBySession?session=abc',
    'https://oapi.dingtalk.com.evil.example/robot/sendBySession',
    'https://evil.example/?u=https://oapi.dingtalk.com',
    'https://user:pw@oapi.dingtalk.com/robot/sendBySession',
    'https://oapi.dingtalk.com:8443/robot/sendBySession',
    'not a url',
  ])('refuses %s', (webhook) => {
    expect(isAllowedWebhook(webhook, allowed)).toBe(false);
  });
});
