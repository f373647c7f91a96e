import { Unzip, UnzipInflate } from 'fflate';
import { FileUnreadable } from './file-unreadable.js';

/** Compressed bytes handed to the inflater at a time: deflate inflates at most about 1:1032, so 4 KiB is at most ~4 MiB. */
const CHUNK = 4096;
/** An Office file has tens of parts; thousands mean a crafted zip. */
const MAX_ENTRIES = 5000;

/**
 * Inflates a zip (DOCX, XLSX and PPTX are zips of XML) and keeps the entries `wanted` asks for, stopping as soon
 * as all entries together inflate past `maxInflatedBytes`: a zip bomb (a few KiB that inflate to gigabytes) is
 * refused after at most the bound plus one chunk's worth, whatever sizes its headers claim. Every entry is
 * inflated and counted, kept or not, so the libraries that read the zip again afterwards read no more than this.
 */
export function unzipWithin(bytes: Uint8Array, maxInflatedBytes: number, wanted: (name: string) => boolean = () => false): Map<string, Uint8Array> {
  const kept = new Map<string, Uint8Array>();
  let inflated = 0;
  let entries = 0;
  // fflate may catch what a callback throws and hand it on as a data error: the first refusal is the one to tell.
  let refusal: FileUnreadable | undefined;
  const refuse = (error: FileUnreadable): never => {
    refusal ??= error;
    throw refusal;
  };
  const unzip = new Unzip();
  unzip.register(UnzipInflate);
  unzip.onfile = (file) => {
    entries += 1;
    if (entries > MAX_ENTRIES) refuse(new FileUnreadable('too_complex', `more than ${MAX_ENTRIES} zip entries`));
    const keep = wanted(file.name);
    const chunks: Uint8Array[] = [];
    file.ondata = (error, data, final) => {
      if (error) refuse(new FileUnreadable('damaged', error.message));
      inflated += data.length;
      if (inflated > maxInflatedBytes) refuse(new FileUnreadable('too_complex', `inflates past ${maxInflatedBytes} bytes`));
      if (keep) chunks.push(data);
      if (final && keep) kept.set(file.name, concat(chunks));
    };
    file.start();
  };
  try {
    for (let at = 0; at < bytes.length; at += CHUNK) unzip.push(bytes.subarray(at, at + CHUNK), at + CHUNK >= bytes.length);
  } catch (error) {
    if (refusal) throw refusal;
    if (error instanceof FileUnreadable) throw error;
    throw new FileUnreadable('damaged', error instanceof Error ? error.message : String(error));
  }
  if (entries === 0) throw new FileUnreadable('damaged', 'no zip entries');
  return kept;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
