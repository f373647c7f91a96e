import { chinesePdfWith, docxWith, encryptedOfficeFile, pdfWith, pptxWith, xlsxWith, zipBomb } from '@dtbot/testkit';
import { describe, expect, it } from 'vitest';
import { extractFileText, type ExtractLimits } from './extract-file-text.js';
import { FileUnreadable } from './file-unreadable.js';

const limits: ExtractLimits = { maxInflatedBytes: 5 * 1024 * 1024, maxChars: 100_000 };

async function reasonOf(work: Promise<unknown>): Promise<string> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FileUnreadable);
  return (error as FileUnreadable).reason;
}

describe('extractFileText', () => {
  it('reads a PDF page\'s lines', async () => {
    const { text, cut } = await extractFileText(pdfWith(['Quarterly report', 'Revenue: 1,200 (up 20%)']), 'report.pdf', limits);
    expect(text).toBe('Quarterly report\nRevenue: 1,200 (up 20%)');
    expect(cut).toBe(false);
  });

  it('reads a Chinese PDF whose font uses Adobe\'s predefined encoding, with Adobe\'s character maps', async () => {
    const { text } = await extractFileText(chinesePdfWith(['你好，世界', '第二行']), '中文.pdf', limits);
    expect(text).toBe('你好，世界\n第二行');
  });

  it('reads a Word document\'s paragraphs', async () => {
    const { text } = await extractFileText(docxWith(['报价单', '单价：¥ 35 & 含税']), '报价单.docx', limits);
    expect(text).toBe('报价单\n\n单价：¥ 35 & 含税');
  });

  it('reads every sheet of a workbook as rows of tab-separated cells', async () => {
    const workbook = xlsxWith({ 价格: [['品名', '单价'], ['苹果', 5.5]], 库存: [['苹果', 120]] });
    const { text } = await extractFileText(workbook, '报价单.xlsx', limits);
    expect(text).toBe('## 价格\n品名\t单价\n苹果\t5.5\n\n## 库存\n苹果\t120');
  });

  it('reads the slides of a deck in order, slide 10 after slide 2', async () => {
    const slides = Array.from({ length: 10 }, (_, i) => [`标题 ${i + 1}`, `要点 ${i + 1}`]);
    const { text } = await extractFileText(pptxWith(slides), 'deck.pptx', limits);
    expect(text.split('\n').slice(0, 3)).toEqual(['--- 幻灯片 1 ---', '标题 1', '要点 1']);
    expect(text.indexOf('--- 幻灯片 10 ---')).toBeGreaterThan(text.indexOf('--- 幻灯片 2 ---'));
    expect(text.endsWith('标题 10\n要点 10')).toBe(true);
  });

  it('reads CSV, Markdown and code as text, UTF-8 or GB18030', async () => {
    expect((await extractFileText(Buffer.from('a,b\n1,2\n'), 'data.csv', limits)).text).toBe('a,b\n1,2');
    expect((await extractFileText(Buffer.from('\uFEFF# 标题\n正文'), 'notes.md', limits)).text).toBe('# 标题\n正文');
    expect((await extractFileText(Buffer.from([0xc4, 0xe3, 0xba, 0xc3]), '旧.txt', limits)).text).toBe('你好');
    expect((await extractFileText(Buffer.from('export const a = 1;\n'), 'a.ts', limits)).text).toBe('export const a = 1;');
  });

  it('stops at maxChars and says the text was cut', async () => {
    const result = await extractFileText(Buffer.from('x'.repeat(5000)), 'long.txt', { ...limits, maxChars: 1000 });
    expect(result).toEqual({ text: 'x'.repeat(1000), cut: true });
  });

  it('names why a file cannot be read', async () => {
    expect(await reasonOf(extractFileText(pdfWith(['secret'], { encrypted: true }), 'locked.pdf', limits))).toBe('encrypted');
    expect(await reasonOf(extractFileText(encryptedOfficeFile(), 'locked.docx', limits))).toBe('encrypted');
    expect(await reasonOf(extractFileText(encryptedOfficeFile(), 'locked.xlsx', limits))).toBe('encrypted');
    expect(await reasonOf(extractFileText(Buffer.from('PK'), 'a.zip', limits))).toBe('unsupported');
    expect(await reasonOf(extractFileText(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1]), 'tool.sh', limits))).toBe('unsupported');
    expect(await reasonOf(extractFileText(Buffer.from('hello'), 'fake.pdf', limits))).toBe('damaged');
    expect(await reasonOf(extractFileText(Buffer.from('hello'), 'fake.docx', limits))).toBe('damaged');
    expect(await reasonOf(extractFileText(Buffer.from('   \n'), 'blank.txt', limits))).toBe('empty');
  });

  it('refuses a zip bomb once what it inflated passes the bound, without inflating the rest', async () => {
    const bombs = {
      'bomb.docx': zipBomb('word/document.xml', 160 * 1024 * 1024),
      'bomb.xlsx': zipBomb('xl/worksheets/sheet1.xml', 160 * 1024 * 1024),
      'bomb.pptx': zipBomb('ppt/slides/slide1.xml', 160 * 1024 * 1024),
    };
    for (const [name, bomb] of Object.entries(bombs)) {
      expect(bomb.length).toBeLessThan(256 * 1024);
      const started = performance.now();
      expect(await reasonOf(extractFileText(bomb, name, limits))).toBe('too_complex');
      // Inflating all 160 MiB takes seconds on a busy machine; stopping past 5 MiB takes a fraction of one.
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });
});
