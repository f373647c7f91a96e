const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const gb18030 = new TextDecoder('gb18030', { fatal: true, ignoreBOM: false });

/** Bytes looked at to tell text from binary: enough to see a binary header, cheap on any size. */
const SNIFF_BYTES = 8192;

/**
 * The text of a file read as text: UTF-8 (a BOM dropped), else GB18030, the encoding Chinese Windows tools
 * save TXT and CSV in. `undefined` for binary: a NUL byte in its first 8 KiB, or bytes neither decoding takes.
 */
export function decodeText(bytes: Uint8Array): string | undefined {
  if (bytes.subarray(0, SNIFF_BYTES).includes(0)) return undefined;
  for (const decoder of [utf8, gb18030]) {
    try {
      return decoder.decode(bytes);
    } catch {
      // Not this encoding; try the next.
    }
  }
  return undefined;
}
