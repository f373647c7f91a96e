/**
 * Why a file a user sent cannot be read; the user is told in one line naming the file, nothing is retried and
 * nothing is remembered.
 * - `unsupported`: not a kind we read (by its name), or a binary file named like text;
 * - `encrypted`: a password-protected PDF or Office file;
 * - `too_large`: more than `FILE_MAX_BYTES`;
 * - `too_complex`: it inflates past the bound (a zip bomb), or reading it passed the time or memory limit;
 * - `damaged`: it is not what its name says, or its structure is broken;
 * - `empty`: it holds no text (a scanned PDF);
 * - `expired`: DingTalk no longer knows its download code.
 */
export type FileUnreadableReason = 'unsupported' | 'encrypted' | 'too_large' | 'too_complex' | 'damaged' | 'empty' | 'expired';

export class FileUnreadable extends Error {
  override readonly name = 'FileUnreadable';

  constructor(
    readonly reason: FileUnreadableReason,
    detail?: string,
  ) {
    super(`file not readable: ${reason}${detail ? ` (${detail})` : ''}`);
  }
}
