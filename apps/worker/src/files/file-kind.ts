/** How a file's text is read: by a format's reader, or as plain text. */
export type FileKind = 'pdf' | 'docx' | 'xlsx' | 'pptx' | 'text';

const OFFICE: Record<string, FileKind> = { pdf: 'pdf', docx: 'docx', xlsx: 'xlsx', pptx: 'pptx' };

/** Names read as UTF-8 text (GB18030 when not UTF-8): prose, data and source code. */
const TEXT_EXTENSIONS = new Set(
  (
    'txt text md markdown mdx rst adoc tex csv tsv log json jsonl ndjson yaml yml toml ini cfg conf properties xml ' +
    'html htm css scss less sql srt vtt env ' +
    'js mjs cjs jsx ts tsx vue svelte py rb php java kt kts scala go rs c h cc cpp cxx hpp cs swift m mm lua r pl ' +
    'sh bash zsh ps1 bat cmd gradle dart ex exs erl hs clj groovy proto graphql tf'
  ).split(' '),
);

/** Whole names of text files that have no extension. */
const TEXT_NAMES = new Set(['dockerfile', 'makefile', 'readme', 'license', 'changelog']);

/**
 * The kind of a file by its name: DingTalk gives no content type, and a name the user chose is what they expect
 * it to be read as. The bytes are checked by each reader (a PDF must start `%PDF-`, an Office file must be a zip,
 * text must not be binary). `undefined`: not a kind we read (legacy .doc/.xls/.ppt, archives, media, …).
 */
export function fileKindOf(fileName: string): FileKind | undefined {
  const name = fileName.trim().toLowerCase();
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return TEXT_NAMES.has(name) ? 'text' : undefined;
  const extension = name.slice(dot + 1);
  return OFFICE[extension] ?? (TEXT_EXTENSIONS.has(extension) ? 'text' : undefined);
}
