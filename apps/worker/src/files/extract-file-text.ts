import { createRequire } from 'node:module';
import path from 'node:path';
import mammoth from 'mammoth';
import readXlsxFile from 'read-excel-file/node';
import { SaxesParser } from 'saxes';
import { getDocumentProxy } from 'unpdf';
import { unzipWithin } from './bounded-unzip.js';
import { decodeText } from './decode-text.js';
import { fileKindOf, type FileKind } from './file-kind.js';
import { FileUnreadable } from './file-unreadable.js';

export interface ExtractLimits {
  /** All entries of a DOCX, XLSX or PPTX together may inflate to at most this many bytes. */
  maxInflatedBytes: number;
  /** Characters of text kept; reading stops soon after (the token cut comes later, on what is kept). */
  maxChars: number;
}

/** A file's text, and whether reading stopped at `maxChars` before its end. */
export interface ExtractedText {
  text: string;
  cut: boolean;
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
/** An OLE compound file: what a password-protected DOCX, XLSX or PPTX is (and a legacy .doc/.xls/.ppt). */
const OLE_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

const startsWith = (bytes: Uint8Array, magic: readonly number[]) => magic.every((byte, i) => bytes[i] === byte);

/**
 * The text of a file a user sent, read by its name's kind from its bytes only (no network, no files on disk).
 * Throws `FileUnreadable` saying why it cannot be read. Runs in the extraction thread, under its time and memory
 * limits (`readFileInThread`); on its own it is bounded only by `limits`.
 */
export async function extractFileText(bytes: Uint8Array, fileName: string, limits: ExtractLimits): Promise<ExtractedText> {
  const kind = fileKindOf(fileName);
  if (!kind) throw new FileUnreadable('unsupported');
  const text = new TextSink(limits.maxChars);
  await READERS[kind](bytes, limits, text);
  const result = text.result();
  if (result.text.trim() === '') throw new FileUnreadable('empty');
  return result;
}

const READERS: Record<FileKind, (bytes: Uint8Array, limits: ExtractLimits, text: TextSink) => Promise<void>> = {
  pdf: readPdf,
  docx: async (bytes, limits, text) => {
    checkOfficeZip(bytes, limits);
    const { value } = await mammoth.extractRawText({ buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) });
    text.add(value);
  },
  xlsx: async (bytes, limits, text) => {
    checkOfficeZip(bytes, limits);
    const sheets = await readXlsxFile(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    for (const sheet of sheets) {
      if (text.full) break;
      text.add(`## ${sheet.sheet}\n`);
      for (const row of sheet.data) {
        if (text.full) break;
        text.add(`${row.map(cellText).join('\t').replace(/\t+$/, '')}\n`);
      }
      text.add('\n');
    }
  },
  pptx: async (bytes, limits, text) => {
    const parts = checkOfficeZip(bytes, limits, (name) => SLIDE.test(name));
    const slides = [...parts.entries()].sort(([a], [b]) => slideNumber(a) - slideNumber(b));
    for (const [name, xml] of slides) {
      if (text.full) break;
      text.add(`--- 幻灯片 ${slideNumber(name)} ---\n`);
      readDrawingText(xml, text);
    }
  },
  text: async (bytes, _limits, text) => {
    const decoded = decodeText(bytes);
    if (decoded === undefined) throw new FileUnreadable('unsupported', 'binary content');
    text.add(decoded);
  },
};

const SLIDE = /^ppt\/slides\/slide(\d+)\.xml$/;
const slideNumber = (name: string) => Number(SLIDE.exec(name)?.[1] ?? 0);

/** A DOCX, XLSX or PPTX is a zip; an OLE file by that name is a password-protected one. */
function checkOfficeZip(bytes: Uint8Array, limits: ExtractLimits, wanted?: (name: string) => boolean): Map<string, Uint8Array> {
  if (startsWith(bytes, OLE_MAGIC)) throw new FileUnreadable('encrypted');
  if (!startsWith(bytes, ZIP_MAGIC)) throw new FileUnreadable('damaged', 'not a zip');
  return unzipWithin(bytes, limits.maxInflatedBytes, wanted);
}

function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return '';
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? '' : cell.toISOString().replace(/T00:00:00\.000Z$/, '');
  return String(cell).replace(/[\t\r\n]+/g, ' ');
}

/** DrawingML text (slides): the runs of each paragraph (`a:t`), a line per paragraph (`a:p`). */
function readDrawingText(xml: Uint8Array, text: TextSink): void {
  const parser = new SaxesParser();
  let inText = false;
  let line = '';
  parser.on('opentag', (tag) => {
    if (tag.name === 'a:t') inText = true;
    else if (tag.name === 'a:br') line += '\n';
  });
  parser.on('text', (value) => {
    if (inText) line += value;
  });
  parser.on('closetag', (tag) => {
    if (tag.name === 'a:t') inText = false;
    else if (tag.name === 'a:p') {
      if (line.trim() !== '') text.add(`${line}\n`);
      line = '';
    }
  });
  try {
    parser.write(new TextDecoder().decode(xml)).close();
  } catch (error) {
    throw new FileUnreadable('damaged', error instanceof Error ? error.message : String(error));
  }
}

/**
 * Adobe's character maps, from pdfjs-dist (a path: pdf.js reads a file URL as a web address): without them a CJK PDF
 * whose fonts use a predefined encoding (UniGB-UCS2-H, …), common in Chinese PDFs, gives no text at all.
 */
const CMAP_DIRECTORY = `${path.join(path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'cmaps')}${path.sep}`;

/** pdf.js (through unpdf, its build for servers): page by page, stopping once `maxChars` are kept. */
async function readPdf(bytes: Uint8Array, _limits: ExtractLimits, text: TextSink): Promise<void> {
  if (!startsWith(bytes, [0x25, 0x50, 0x44, 0x46, 0x2d])) throw new FileUnreadable('damaged', 'not a PDF');
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // A copy: pdf.js takes the buffer it is given (transfers it to its worker).
    pdf = await getDocumentProxy(new Uint8Array(bytes), {
      stopAtErrors: false,
      disableFontFace: true,
      cMapUrl: CMAP_DIRECTORY,
      cMapPacked: true,
    });
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'PasswordException') throw new FileUnreadable('encrypted');
    throw new FileUnreadable('damaged', error instanceof Error ? error.message : String(error));
  }
  try {
    for (let number = 1; number <= pdf.numPages && !text.full; number += 1) {
      const page = await pdf.getPage(number);
      const content = await page.getTextContent();
      let line = '';
      for (const item of content.items) {
        if (!('str' in item)) continue;
        line += item.str;
        if (item.hasEOL) {
          text.add(`${line}\n`);
          line = '';
        }
      }
      text.add(`${line}\n\n`);
      page.cleanup();
    }
  } finally {
    // Ends pdf.js' in-process worker for this document and frees what it parsed.
    await pdf.loadingTask.destroy();
  }
}

/** Collects text up to `maxChars`, remembering that more was offered. */
class TextSink {
  private readonly parts: string[] = [];
  private size = 0;
  private cut = false;

  constructor(private readonly maxChars: number) {}

  get full(): boolean {
    return this.cut;
  }

  add(part: string): void {
    if (this.cut) return;
    const room = this.maxChars - this.size;
    if (part.length > room) {
      // Not between the two halves of a surrogate pair: a lone half is not text.
      const end = room > 0 && /[\uD800-\uDBFF]/.test(part[room - 1]!) ? room - 1 : room;
      this.parts.push(part.slice(0, end));
      this.size = this.maxChars;
      this.cut = true;
      return;
    }
    this.parts.push(part);
    this.size += part.length;
  }

  result(): ExtractedText {
    return { text: this.parts.join('').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim(), cut: this.cut };
  }
}
