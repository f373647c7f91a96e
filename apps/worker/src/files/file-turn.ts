import type { TokenCounter } from '../tokens/token-counter.js';

/** A file name as shown to the model and the user: one line, at most this many characters. */
export const MAX_FILE_NAME_CHARS = 120;

/**
 * A file's name, safe to show on one line: control characters and line breaks become spaces, runs of spaces one,
 * and a name longer than `MAX_FILE_NAME_CHARS` keeps its start and its extension around `…`. An empty name is `未命名文件`.
 */
export function displayFileName(fileName: string): string {
  const name = [...fileName.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\uFFFD]+/gu, ' ').replace(/\s+/g, ' ').trim()]
    // A lone surrogate is not a character: it becomes nothing.
    .filter((char) => !/^[\uD800-\uDFFF]$/.test(char));
  if (name.length === 0) return '未命名文件';
  if (name.length <= MAX_FILE_NAME_CHARS) return name.join('');
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= 12 ? name.slice(dot) : [];
  return `${name.slice(0, MAX_FILE_NAME_CHARS - 1 - extension.length).join('')}…${extension.join('')}`;
}

/**
 * The user's turn that carries a file: `[文件] <name>`, its text cut to `maxTokens` by the model's tokenizer (the
 * turn says when it was, so the model does not take a part for the whole), then what the user asked about it.
 */
export function fileTurn(
  tokens: Pick<TokenCounter, 'cut'>,
  file: { fileName: string; text: string; cut: boolean },
  maxTokens: number,
  question: string,
): string {
  const kept = tokens.cut(file.text, maxTokens);
  const cut = file.cut || kept.length < file.text.length;
  const lines = [`[文件] ${displayFileName(file.fileName)}`, kept];
  if (cut) lines.push(`（文件较长，以上只是开头部分，约 ${maxTokens} 个 token，其余内容没有读取）`);
  return question ? `${lines.join('\n')}\n\n${question}` : lines.join('\n');
}
