import type { MemoryScope } from '@dtbot/shared';
import type { WorkerSettings } from '../deps.js';
import { DEFAULT_PERSONA, DEFAULT_PERSONA_WORDS, wordsOf, type PersonaCatalog, type Template } from '../personas/persona-catalog.js';
import type { CurrentPersona } from '../personas/persona-choices.js';
import type { Role } from '../access/access-policy.js';
import type { QuotaLeft } from '../quota/daily-quotas.js';
import type { Echo } from './echo-user-text.js';
import type { FileUnreadableReason } from '../files/file-unreadable.js';

/** Every fixed sentence a user can get, in one place. */

export type HelpSettings = Pick<
  WorkerSettings,
  | 'helpText'
  | 'resetCommands'
  | 'helpCommands'
  | 'settingsCommands'
  | 'personaCommands'
  | 'usageCommands'
  | 'stopCommands'
  | 'feedbackCommands'
  | 'imageCommands'
  | 'draws'
  | 'scheduleCommands'
>;

const words = (list: readonly string[]) => list.map((word) => `\`${word}\``).join(' ');

/** The help: every command and every template. `HELP_TEXT` replaces it whole. */
export function helpText(settings: HelpSettings, catalog: Pick<PersonaCatalog, 'templates'>): string {
  if (settings.helpText) return settings.helpText;
  const drawing = settings.draws && settings.imageCommands.length > 0;
  const lines = [
    '### 使用说明 / Help',
    '直接提问即可（群里请先 @ 我）。我会记住你最近几轮对话，一段时间不说话后自动忘记。',
    '',
    '**命令 / Commands**',
    `- ${words(settings.helpCommands)}：查看本说明 / this help`,
    `- ${words(settings.resetCommands)}：清空对话记忆 / forget this conversation`,
    `- ${words(settings.settingsCommands)}：查看我的设置（模型、记忆方式、角色、今日剩余次数） / my settings`,
    `- ${words(settings.personaCommands)}：查看可选角色；后跟角色名即切换，例如 \`${settings.personaCommands[0] ?? '/persona'} ${DEFAULT_PERSONA}\` / list or switch personas`,
    ...(drawing ? [`- ${settings.imageCommands.map((word) => `\`${word} 画面描述\``).join(' ')}：生成一张图片 / draw a picture`] : []),
    ...(settings.stopCommands.length > 0 ? [`- ${words(settings.stopCommands)}：停止正在生成的回答 / stop the answer being written`] : []),
    ...(settings.feedbackCommands.length > 0 ? [`- ${words(settings.feedbackCommands)}：评价上一个回答（好 / 不好） / rate the last answer`] : []),
    `- ${words(settings.usageCommands)}：今日和近 7 天的用量、费用估算和预算，接近提问上限的人（仅管理员） / usage and cost (admins)`,
    ...(settings.scheduleCommands.length > 0
      ? [`- ${words(settings.scheduleCommands)}：本会话的定时提问，添加、查看、删除（仅管理员） / scheduled prompts (admins)`]
      : []),
  ];
  if (catalog.templates.length > 0) {
    lines.push('', '**模板 / Templates**：`#模板名 内容`，例如 `#' + catalog.templates[0]!.name + ' ……`');
    for (const template of catalog.templates) lines.push(`- ${templateWords(template)}：${template.description}`);
  }
  return lines.join('\n');
}

const templateWords = (template: Template) => wordsOf(template).map((word) => `\`#${word}\``).join(' ');

/** An unknown `/word`: say so, then the help. */
export function unknownCommandText(word: Echo, help: string): string {
  return `没有 ${word} 这个命令。\n\n${help}`;
}

/** An image request without a description: show how one looks. */
export function emptyImagePrompt(settings: Pick<WorkerSettings, 'imageCommands'>): string {
  const word = settings.imageCommands[0] ?? '/image';
  return `请在 \`${word}\` 后面描述想要的画面，例如：\`${word} 一只在雪地里奔跑的柴犬\`。`;
}

export const IMAGES_UNAVAILABLE = '抱歉，这里还没有配置绘图模型，暂时不能生成图片。';

export const STOP_DONE = '好的，已停止正在生成的回答。';
export const NOTHING_TO_STOP = '现在没有正在生成的回答。';
export const FEEDBACK_THANKS = '谢谢你的评价！';
export const FEEDBACK_CHANGED = '已更新你的评价。';
export const FEEDBACK_SAME = '你已经这样评价过了。';
export const NOTHING_TO_RATE = '没有找到可以评价的回答：请先提问，或引用要评价的回答。';

export const RESET_DONE = '好的，已清空我们的对话记忆，可以开始新的话题了。';

export const EMPTY_QUESTION = '你好，请直接输入你的问题（发送 `/help` 查看使用说明）。';

/**
 * A video or another kind we cannot read (or a file, for a robot without an app to download it with): say so, and
 * what can be sent instead. A file message stored without its download code (by a version that did not read
 * files) is asked for again, where files are read.
 */
export function unsupportedKind(msgtype: string, readsPictures: boolean, readsFiles: boolean): string {
  if (msgtype === 'file' && readsFiles) return '抱歉，这个文件我没能读取，请重新发送一次。';
  const kind = { video: '视频', file: '文件' }[msgtype] ?? '这类消息';
  const readable = [
    readsPictures ? '文字、语音、图片和图文消息' : '文字、语音和图文消息里的文字',
    ...(readsFiles ? ['文件（PDF、Word、Excel、PPT、文本和代码）'] : []),
  ].join('，以及');
  return `抱歉，我还读不了${kind}。我能看懂${readable}，请换一种方式提问。`;
}

/** Pictures, for a robot whose model does not read them. */
export const PICTURES_NOT_READ = '抱歉，我现在还看不了图片。请用文字描述你的问题，或者发语音。';

/** Said after an answer to the text of a message whose pictures were not read. */
export function picturesNotReadNotice(count: number): string {
  return `（这条消息里的 ${count} 张图片我看不了，以上只回答了文字部分。）`;
}

/** Said after an answer when more pictures were sent than one question takes. */
export function picturesSkippedNotice(read: number, skipped: number): string {
  return `（一次只看 ${read} 张图片，后面的 ${skipped} 张没有看。）`;
}

/** Said after an answer when the pictures of one question together were more than it takes. */
export function picturesOverTotalNotice(notRead: number, maxBytes: number): string {
  return `（图片加起来超过了 ${Math.floor(maxBytes / (1024 * 1024)) || 1} MB，后面的 ${notRead} 张没有看。）`;
}

/** A picture that could not be given to the model, and why. */
export function pictureUnusable(reason: 'too_large' | 'not_an_image' | 'expired', maxBytes: number): string {
  switch (reason) {
    case 'too_large':
      return `抱歉，图片太大了（超过 ${Math.floor(maxBytes / (1024 * 1024)) || 1} MB），我读不了。请压缩后再发。`;
    case 'not_an_image':
      return '抱歉，这张图片的格式我读不了。请发 JPG、PNG、GIF 或 WebP 格式的图片。';
    case 'expired':
      return '抱歉，这张图片已经取不到了，请重新发送一次。';
  }
}

/** What can be sent as a file, for the replies that name it. */
export const READABLE_FILES = 'PDF、Word（.docx）、Excel（.xlsx）、PowerPoint（.pptx）、CSV、TXT、Markdown 和代码文件';

/** A file that could not be read, named (its name as `displayFileName` shows it, echoed), and why: one line. */
export function fileUnreadable(fileName: Echo, reason: FileUnreadableReason, maxBytes: number): string {
  const why: Record<FileUnreadableReason, string> = {
    unsupported: `我读不了这种文件。可以发送 ${READABLE_FILES}。`,
    encrypted: '文件设有密码，我打不开。请去掉密码后再发送。',
    too_large: `文件超过 ${Math.floor(maxBytes / (1024 * 1024)) || 1} MB，我没有读取。请压缩或拆分后再发。`,
    too_complex: '文件内容过大或过于复杂，没能在限定的时间和内存内读完。',
    damaged: '文件已损坏，或者内容和扩展名不符。',
    empty: '文件里没有可读的文字（可能是扫描件或图片）。',
    expired: '文件已经取不到了，请重新发送一次。',
  };
  return `抱歉，没有读取文件 ${fileName}：${why[reason]}`;
}

/** A voice message DingTalk could not transcribe. */
export const UNRECOGNIZED_AUDIO = '抱歉，这条语音没有识别出文字。请再说一遍，或者直接打字提问。';

/** `#周报` with nothing after it: how to use the template. */
export function templateUsage(template: Template): string {
  return `请在 \`#${template.name}\` 后面写上内容，例如：\`#${template.name} ……\`\n\n${template.description}`;
}

const SCOPE_NAMES: Record<MemoryScope, string> = {
  user: '每人独立（你在这个会话中的对话只属于你）',
  group: '全群共享（本群所有人共用一段对话记忆）',
  none: '不记忆（每个问题单独回答）',
};

/** What `/persona` shows: the current persona and every choice. */
export function personaList(current: CurrentPersona, catalog: Pick<PersonaCatalog, 'personas'>, command: string): string {
  const lines = [
    `当前角色：**${personaTitle(current.name)}**`,
    '',
    '可选角色：',
    `- ${DEFAULT_PERSONA_WORDS.map((word) => `\`${word}\``).join(' ')}：默认设定`,
    ...catalog.personas.map((persona) => `- ${wordsOf(persona).map((word) => `\`${word}\``).join(' ')}：${persona.description}`),
    '',
    `发送 \`${command} 角色名\` 切换，例如 \`${command} ${catalog.personas[0]?.name ?? DEFAULT_PERSONA}\`。`,
  ];
  return lines.join('\n');
}

/** After a switch: who answers now, for whom, and that memory was kept. */
export function personaSwitched(name: string, scope: MemoryScope, resetWord: string): string {
  const whom = scope === 'group' ? '本群所有人的提问' : '你在这个会话中的提问';
  return `好的，之后${whom}将由 **${personaTitle(name)}** 回答。对话记忆已保留，需要时发送 \`${resetWord}\` 清空。`;
}

export function unknownPersona(name: Echo, list: string): string {
  return `没有名为 ${name} 的角色。\n\n${list}`;
}

/** `/persona` followed by what cannot be a name (spaces, `#`, `/`, too long): the rule, not the text, is said back. */
export function notAPersonaName(list: string): string {
  return `这不是一个角色名：角色名是一个词，最多 32 个字，不含空格、# 或 /。\n\n${list}`;
}

const personaTitle = (name: string) => (name === DEFAULT_PERSONA ? '默认设定' : name);

export interface SettingsView {
  model: string;
  scope: MemoryScope;
  persona: string;
  role: Role;
  /** Questions left today; `undefined` = unlimited. `group` only in a group chat. */
  left: QuotaLeft;
  inGroup: boolean;
}

/** What `/settings` shows. */
export function settingsText(view: SettingsView): string {
  return [
    '### 我的设置',
    `- 模型：${view.model}`,
    `- 对话记忆：${SCOPE_NAMES[view.scope]}`,
    `- 角色：${personaTitle(view.persona)}`,
    `- 今日剩余次数：${quotaLeftText(view)}`,
  ].join('\n');
}

function quotaLeftText({ role, left, inGroup }: SettingsView): string {
  if (role !== 'member') return `不限（${role === 'admin' ? '管理员' : 'VIP'}）`;
  const mine = left.user === undefined ? '不限' : `${left.user} 次`;
  if (!inGroup) return mine;
  return `${mine}（本群今日还剩 ${left.group === undefined ? '不限' : `${left.group} 次`}）`;
}

/** A question with a word of `SENSITIVE_WORDS`: which word is not repeated back. */
export const SENSITIVE_QUESTION = '抱歉，你的消息包含不允许的内容，请修改后再问。';

/** `/usage` from someone who is not an admin. */
export const ADMINS_ONLY = '抱歉，这个命令只有管理员可以使用。';

/** A used-up daily quota: whose, how many, and when it resets, in the quota's time zone. */
export function quotaExceeded(scope: 'user' | 'group', limit: number, msToReset: number, timeZone: string): string {
  const whose = scope === 'user' ? `你今天的提问次数已用完（每人每天 ${limit} 次）` : `本群今天的提问次数已用完（每群每天 ${limit} 次）`;
  return `${whose}。次数将在 00:00（${timeZone} 时间）重置，${inAbout(msToReset)}。如需更多次数，请联系管理员。`;
}

/** The day's budget is spent: no figure (that is the operator's), only when answers resume. */
export function budgetReached(msToReset: number, timeZone: string): string {
  return `抱歉，今天的 AI 用量已达上限，暂停回答。将在 00:00（${timeZone} 时间）恢复，${inAbout(msToReset)}。如有急事，请联系管理员。`;
}

function inAbout(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  const hours = Math.floor(minutes / 60);
  if (hours === 0) return `约 ${minutes} 分钟后`;
  return minutes % 60 === 0 ? `约 ${hours} 小时后` : `约 ${hours} 小时 ${minutes % 60} 分钟后`;
}

/** One short reply for whoever the access lists refuse: which list it was is the operator's to know. */
export const ACCESS_DENIED = '抱歉，你没有使用这个机器人的权限。如有需要，请联系管理员。';

/** What a user sees when the model failed for good: short, with a reference an operator can find. */
export function apology(reference: string): string {
  return `抱歉，这次没能回答你的问题，请稍后再试。（参考编号：${reference}）`;
}
