import { callbackSchema, extractPrompt, verifySignature } from '@dtbot/shared';
import { describe, expect, it } from 'vitest';
import { buildCallback, buildGroupCallback, signedHeaders } from './dingtalk-callback.js';

describe('buildCallback', () => {
  it('builds a 1:1 text message the shared schema accepts, with a fresh msgId each time', () => {
    const first = buildCallback();
    const second = buildCallback({ text: '第二条' });
    expect(callbackSchema.safeParse(first).success).toBe(true);
    expect(first).toMatchObject({
      msgtype: 'text',
      conversationType: '1',
      robotCode: 'dingtestrobot',
      senderStaffId: 'user123',
    });
    expect(first.msgId).not.toBe(second.msgId);
    expect(first.conversationId).toBe(second.conversationId);
    expect(second.text).toEqual({ content: '第二条' });
    expect(first.sessionWebhookExpiredTime - first.createAt).toBeGreaterThanOrEqual(5_400_000);
  });

  it('gives other users another private conversation and drops fields overridden with undefined', () => {
    const other = buildCallback({ senderStaffId: 'user456' });
    expect(other.conversationId).not.toBe(buildCallback().conversationId);
    const external = JSON.parse(JSON.stringify(buildCallback({ senderStaffId: undefined })));
    expect('senderStaffId' in external).toBe(false);
  });

  it('leaves text out of non-text messages', () => {
    const audio = buildCallback({ msgtype: 'audio', content: { recognition: '语音内容' } });
    expect(audio.text).toBeUndefined();
    expect(extractPrompt(audio)).toBe('语音内容');
  });
});

describe('buildGroupCallback', () => {
  it('@-mentions the robot and keeps the leading space DingTalk leaves', () => {
    const message = buildGroupCallback({ text: '帮我总结一下' });
    expect(callbackSchema.safeParse(message).success).toBe(true);
    expect(message).toMatchObject({ conversationType: '2', conversationTitle: '测试群', isInAtList: true });
    expect(message.text?.content).toBe(' 帮我总结一下');
    expect(message.atUsers).toEqual([{ dingtalkId: message.chatbotUserId }]);
    expect(buildGroupCallback().conversationId).toBe(message.conversationId);
  });
});

describe('signedHeaders', () => {
  it('signs the timestamp the way the gateway verifies it', () => {
    const headers = signedHeaders('testAppSecret123', 1690362102194);
    expect(headers).toEqual({
      timestamp: '1690362102194',
      sign: 'ZbWotKGCR+Iwl2egJ17Im1ZnBL+RUrRcoqpNBTp+NQs=',
      'content-type': 'application/json; charset=utf-8',
    });
    const now = signedHeaders('s3cret');
    expect(verifySignature({ timestamp: now.timestamp, sign: now.sign, secrets: ['s3cret'] }).result).toBe('ok');
  });
});
