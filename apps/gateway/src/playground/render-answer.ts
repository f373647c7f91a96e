import MarkdownIt from 'markdown-it';

/** Who an answer @-mentions, and the nicks the session's users spoke as. */
export interface MentionNames {
  atUserIds: readonly string[];
  nicks: Readonly<Record<string, string>>;
}

interface RenderEnv {
  mentions: MentionNames;
}

/**
 * Markdown as a chat client shows it. Raw HTML is never passed through (model answers are
 * text anyone can steer), links open outside the page, and only schemes markdown-it deems safe
 * are linked. A mention of someone the answer @-mentions (`@staffId`, as DingTalk needs it in
 * the text) shows as DingTalk shows it: the user's nick, highlighted.
 */
const markdown = new MarkdownIt({ html: false, linkify: true, breaks: false });

markdown.inline.ruler.push('mention', (state, silent) => {
  if (state.src.charCodeAt(state.pos) !== 0x40 /* @ */) return false;
  const match = /^@([A-Za-z0-9_.-]+)/.exec(state.src.slice(state.pos));
  const env = state.env as unknown as RenderEnv;
  if (!match || !env.mentions.atUserIds.includes(match[1]!)) return false;
  if (!silent) state.push('mention', '', 0).meta = { staffId: match[1] };
  state.pos += match[0].length;
  return true;
});

markdown.renderer.rules.mention = (tokens, index, _options, env) => {
  const staffId = (tokens[index]!.meta as { staffId: string }).staffId;
  const nick = (env as unknown as RenderEnv).mentions.nicks[staffId] ?? staffId;
  return `<span class="mention" title="${markdown.utils.escapeHtml(staffId)}">@${markdown.utils.escapeHtml(nick)}</span>`;
};

const defaultLinkOpen = markdown.renderer.rules.link_open ?? ((tokens, index, options, _env, self) => self.renderToken(tokens, index, options));
markdown.renderer.rules.link_open = (tokens, index, options, env, self) => {
  tokens[index]!.attrSet('target', '_blank');
  tokens[index]!.attrSet('rel', 'noopener noreferrer');
  return defaultLinkOpen(tokens, index, options, env, self);
};

/** An answer as HTML safe to put into the page; plain text answers are escaped, not rendered. */
export function renderAnswer(text: string, format: 'markdown' | 'text', mentions: MentionNames): string {
  if (format === 'text') return `<p>${markdown.utils.escapeHtml(text).replace(/\n/g, '<br>')}</p>`;
  return markdown.render(text, { mentions } satisfies RenderEnv);
}
