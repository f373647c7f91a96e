import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  docxWith,
  encryptedOfficeFile,
  pdfWith,
  pptxWith,
  xlsxWith,
  zipBomb,
  type ChatCompletionRequest,
  type DingTalkCallbackPayload,
} from '@dtbot/testkit';
import { toDingTalkMarkdown } from '../src/delivery/dingtalk-markdown.js';
import { apology, fileUnreadable, SENSITIVE_QUESTION, unsupportedKind } from '../src/replies/canned-replies.js';
import { echoUserText } from '../src/replies/echo-user-text.js';
import { SUMMARY_REQUEST } from '../src/steps/decide-reply.js';
import { startWorkerHarness, type WorkerHarness } from './worker-harness.js';

// Files users send, through the real worker: downloaded from the fake DingTalk over real HTTP, read in the
// extraction thread (the built one: npm test builds first), asked about with the fake model, remembered in a real
// Redis. The fixtures are real documents made by the testkit.
const FILE_MAX_BYTES = 1024 * 1024;

let harness: WorkerHarness;
let noApp: WorkerHarness;

beforeAll(async () => {
  // The model answers with what it was asked, last turn only, so a test sees exactly what reached it.
  const answer = (body: ChatCompletionRequest) => `答复: ${String(body.messages?.at(-1)?.content ?? '')}`;
  [harness, noApp] = await Promise.all([
    startWorkerHarness({
      label: 'files',
      openai: { answer },
      env: { FILE_MAX_BYTES: String(FILE_MAX_BYTES), FILE_MAX_TOKENS: '50', SENSITIVE_WORDS: '绝密' },
    }),
    startWorkerHarness({ label: 'files-no-app', openai: { answer }, env: { DINGTALK_APP_KEY: '' } }),
  ]);
});

afterAll(async () => {
  await Promise.all([harness?.close(), noApp?.close()]);
});

/** What a file that cannot be read is answered, its name said back as the worker says user text back. */
const unreadable = (fileName: string, reason: Parameters<typeof fileUnreadable>[1]) =>
  toDingTalkMarkdown(fileUnreadable(echoUserText(fileName, harness.deps.sensitiveWords), reason, FILE_MAX_BYTES));

let staff = 0;
/** A `file` message as DingTalk sends it, from a user of its own (each test its own memory). */
function fileMessage(on: WorkerHarness, downloadCode: string, fileName: string, senderStaffId = `file-${(staff += 1)}`): DingTalkCallbackPayload {
  return on.message({ msgtype: 'file', content: { downloadCode, fileName, fileId: `id-${downloadCode}`, spaceId: '1' }, senderStaffId });
}

const sessionOf = (message: DingTalkCallbackPayload) => new URL(message.sessionWebhook).searchParams.get('session');
const repliesTo = (on: WorkerHarness, message: DingTalkCallbackPayload) =>
  on.dingtalk.delivered().filter((m) => m.target === sessionOf(message)).map((m) => m.text);

async function send(on: WorkerHarness, message: DingTalkCallbackPayload, expected: 'completed' | 'failed' = 'completed') {
  const { jobId, settled } = await on.send(message);
  expect(await settled).toBe(expected);
  return { jobId, replies: repliesTo(on, message) };
}


describe('files users send', () => {
  it.each([
    ['pdf', '季度报告.pdf', () => pdfWith(['Quarterly report', 'Revenue 1200']), 'Quarterly report\nRevenue 1200'],
    ['docx', '会议纪要.docx', () => docxWith(['会议纪要', '下周一发布']), '会议纪要\n\n下周一发布'],
    ['xlsx', '报价单.xlsx', () => xlsxWith({ 价格: [['品名', '单价'], ['苹果', 5.5]] }), '## 价格\n品名\t单价\n苹果\t5.5'],
    ['pptx', '方案.pptx', () => pptxWith([['标题', '要点一']]), '--- 幻灯片 1 ---\n标题\n要点一'],
    ['csv', 'data.csv', () => Buffer.from('a,b\n1,2\n'), 'a,b\n1,2'],
    ['markdown', 'README.md', () => Buffer.from('# 说明\n\n- 一\n'), '# 说明\n\n- 一'],
  ])('reads a %s file with the robot\'s token and asks the model to sum it up', async (kind, fileName, bytes, text) => {
    harness.dingtalk.addFile(`read-${kind}`, { body: bytes(), contentType: 'application/octet-stream' });
    const message = fileMessage(harness, `read-${kind}`, fileName);
    const { replies } = await send(harness, message);
    const asked = `[文件] ${fileName}\n${text}\n\n${SUMMARY_REQUEST}`;
    expect(harness.dingtalk.fileDownloads.at(-1)).toEqual({ downloadCode: `read-${kind}`, robotCode: message.robotCode, appKey: message.robotCode });
    expect(harness.openai.requests.at(-1)?.body.messages).toEqual([{ role: 'user', content: asked }]);
    expect(replies).toEqual([toDingTalkMarkdown(`答复: ${asked}`)]);
  });

  it('remembers the file\'s text: a follow-up question sees it', async () => {
    harness.dingtalk.addFile('follow', { body: xlsxWith({ 价格: [['苹果', 5.5]] }) });
    const first = fileMessage(harness, 'follow', '报价单.xlsx', 'follow-up');
    await send(harness, first);
    const followUp = harness.message({ text: '苹果多少钱？', senderStaffId: 'follow-up' });
    await send(harness, followUp);
    const messages = harness.openai.requests.at(-1)?.body.messages ?? [];
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(messages[0]?.content).toBe(`[文件] 报价单.xlsx\n## 价格\n苹果\t5.5\n\n${SUMMARY_REQUEST}`);
    expect(messages[2]?.content).toBe('苹果多少钱？');
  });

  it('reads a file the question quotes, and asks the question about it', async () => {
    harness.dingtalk.addFile('quoted', { body: docxWith(['合同金额：十万元']) });
    const message = harness.message({
      text: { content: ' 合同金额是多少？', isReplyMsg: true, repliedMsg: { msgType: 'file', content: { downloadCode: 'quoted', fileName: '合同.docx' } } } as never,
      senderStaffId: 'quote-file',
    });
    await send(harness, message);
    expect(harness.openai.requests.at(-1)?.body.messages).toEqual([{ role: 'user', content: '[文件] 合同.docx\n合同金额：十万元\n\n合同金额是多少？' }]);
  });

  it('cuts a long file to FILE_MAX_TOKENS with the model\'s tokenizer, and says so', async () => {
    harness.dingtalk.addFile('long', { body: Buffer.from(Array.from({ length: 400 }, (_, i) => `line ${i}`).join('\n')) });
    await send(harness, fileMessage(harness, 'long', 'log.txt'));
    const asked = String(harness.openai.requests.at(-1)?.body.messages?.at(-1)?.content);
    expect(asked.startsWith('[文件] log.txt\nline 0\nline 1\n')).toBe(true);
    expect(asked).toContain('（文件较长，以上只是开头部分，约 50 个 token，其余内容没有读取）');
    expect(asked).not.toContain('line 399');
    expect(harness.deps.tokens.message(asked)).toBeLessThan(50 + 60);
  });

  it('stops reading a file past FILE_MAX_BYTES although no content-length said so, and says it is too large', async () => {
    const total = 64 * 1024 * 1024;
    harness.dingtalk.addFile('huge', { body: Buffer.alloc(total, 0x61), streamed: true });
    const sentBefore = harness.dingtalk.fileBytesSent;
    const requestsBefore = harness.openai.requests.length;
    const { replies } = await send(harness, fileMessage(harness, 'huge', '大文件.txt', 'huge-file'));
    expect(replies).toEqual([unreadable('大文件.txt', 'too_large')]);
    expect(harness.dingtalk.fileBytesSent - sentBefore).toBeLessThan(total / 4);
    expect(harness.openai.requests.length).toBe(requestsBefore);
    expect(harness.deps.pictureBudget.available).toBe(harness.deps.pictureBudget.capacity);
  });

  it('answers an encrypted, unsupported, bomb or damaged file in one line naming it, asks nothing, remembers nothing', async () => {
    harness.dingtalk.addFile('locked-pdf', { body: pdfWith(['secret'], { encrypted: true }) });
    harness.dingtalk.addFile('locked-xlsx', { body: encryptedOfficeFile() });
    harness.dingtalk.addFile('bomb', { body: zipBomb('word/document.xml', 160 * 1024 * 1024) });
    harness.dingtalk.addFile('not-pdf', { body: Buffer.from('hello') });
    const cases = [
      ['locked-pdf', '机密.pdf', 'encrypted'],
      ['locked-xlsx', '工资.xlsx', 'encrypted'],
      ['archive', '资料.zip', 'unsupported'],
      ['bomb', '炸弹.docx', 'too_complex'],
      ['not-pdf', '假的.pdf', 'damaged'],
      ['never-uploaded', '过期.pdf', 'expired'],
    ] as const;
    const requestsBefore = harness.openai.requests.length;
    const downloadsBefore = harness.dingtalk.fileDownloads.length;
    for (const [code, fileName, reason] of cases) {
      const { replies } = await send(harness, fileMessage(harness, code, fileName, 'unreadable'));
      expect(replies.at(-1)).toBe(unreadable(fileName, reason));
    }
    expect(harness.openai.requests.length).toBe(requestsBefore);
    // An unsupported name is refused before anything is downloaded.
    expect(harness.dingtalk.fileDownloads.slice(downloadsBefore).map((download) => download.downloadCode)).not.toContain('archive');
    await send(harness, harness.message({ text: '你好', senderStaffId: 'unreadable' }));
    expect(harness.openai.requests.at(-1)?.body.messages).toEqual([{ role: 'user', content: '你好' }]);
  });

  it('refuses a file whose text holds a sensitive word, as it would the question: the model never sees it', async () => {
    harness.dingtalk.addFile('sensitive', { body: docxWith(['这是绝密文件']) });
    const requestsBefore = harness.openai.requests.length;
    const { replies } = await send(harness, fileMessage(harness, 'sensitive', '资料.docx', 'sensitive-file'));
    expect(replies).toEqual([SENSITIVE_QUESTION]);
    expect(harness.openai.requests.length).toBe(requestsBefore);
    await send(harness, harness.message({ text: '你好', senderStaffId: 'sensitive-file' }));
    expect(harness.openai.requests.at(-1)?.body.messages).toEqual([{ role: 'user', content: '你好' }]);
  });

  it('says a file\'s name back as typed: markdown in it is not rendered', async () => {
    const { replies } = await send(harness, fileMessage(harness, 'any', '[点我](http://evil.example)\n.exe'));
    expect(replies).toEqual([unreadable('[点我](http://evil.example) .exe', 'unsupported')]);
    expect(replies[0]).toContain('`[点我](http://evil.example) .exe`');
  });

  it('refuses a download URL outside DingTalk\'s storage and the API\'s origin before connecting, and apologises', async () => {
    const elsewhere = harness.dingtalk.origin.replace('127.0.0.1', 'localhost');
    harness.dingtalk.addFile('elsewhere', { body: Buffer.from('text'), downloadUrl: `${elsewhere}/files/elsewhere?Signature=x` });
    const servedBefore = harness.dingtalk.filesServed;
    const { jobId, replies } = await send(harness, fileMessage(harness, 'elsewhere', 'a.txt'), 'failed');
    expect(harness.dingtalk.filesServed).toBe(servedBefore);
    expect(replies).toEqual([toDingTalkMarkdown(apology(jobId))]);
  });

  it('refuses a redirect to an origin not allowed, without reaching it, and apologises', async () => {
    // The first hop is on the allowed origin (the fake DingTalk, the API base); its redirect leads to the same
    // server under another origin, which would count what it served.
    const elsewhere = harness.dingtalk.origin.replace('127.0.0.1', 'localhost');
    harness.dingtalk.addFile('target', { body: Buffer.from('text') });
    harness.dingtalk.addFile('redirected', { body: Buffer.from('text'), redirectTo: `${elsewhere}/files/target?Signature=x` });
    const [servedBefore, redirectedBefore] = [harness.dingtalk.filesServed, harness.dingtalk.filesRedirected];
    const { jobId, replies } = await send(harness, fileMessage(harness, 'redirected', 'a.txt'), 'failed');
    expect(harness.dingtalk.filesRedirected).toBe(redirectedBefore + 1);
    expect(harness.dingtalk.filesServed).toBe(servedBefore);
    expect(replies).toEqual([toDingTalkMarkdown(apology(jobId))]);
  });

  it('keeps the short note for a robot without an app to download with', async () => {
    const message = fileMessage(noApp, 'any', '报价单.xlsx');
    const { replies } = await send(noApp, message);
    expect(replies).toEqual([unsupportedKind('file', false, false)]);
    expect(replies[0]).toBe('抱歉，我还读不了文件。我能看懂文字、语音和图文消息里的文字，请换一种方式提问。');
    expect(noApp.dingtalk.fileDownloads).toEqual([]);
  });
});
