import type { WorkerSettings } from '../deps.js';

/** Every fixed sentence a user can get, in one place. */
export function helpText(
  settings: Pick<WorkerSettings, 'helpText' | 'resetCommands' | 'helpCommands' | 'imageCommands' | 'imageModel'>,
): string {
  if (settings.helpText) return settings.helpText;
  const drawing = settings.imageModel && settings.imageCommands.length > 0;
  return [
    '### 使用说明',
    '- 直接提问即可；在群里请先 @ 我。',
    '- 我会记住你最近几轮对话，一段时间不说话后自动忘记。',
    ...(drawing ? [`- 发送 ${settings.imageCommands.map((word) => `\`${word} 画面描述\``).join(' / ')} 生成一张图片。`] : []),
    `- 发送 ${settings.resetCommands.map((word) => `\`${word}\``).join(' / ')} 清空你的对话记忆。`,
    `- 发送 ${settings.helpCommands.map((word) => `\`${word}\``).join(' / ')} 查看本说明。`,
  ].join('\n');
}

/** An image request without a description: show how one looks. */
export function emptyImagePrompt(settings: Pick<WorkerSettings, 'imageCommands'>): string {
  const word = settings.imageCommands[0] ?? '/image';
  return `请在 \`${word}\` 后面描述想要的画面，例如：\`${word} 一只在雪地里奔跑的柴犬\`。`;
}

export const IMAGES_UNAVAILABLE = '抱歉，这里还没有配置绘图模型，暂时不能生成图片。';

export const RESET_DONE = '好的，已清空我们的对话记忆，可以开始新的话题了。';

export const EMPTY_QUESTION = '你好，请直接输入你的问题（发送 `/help` 查看使用说明）。';

/** Pictures, files and videos cannot be read yet; say so instead of staying silent. */
export function unsupportedKind(msgtype: string): string {
  const kind = { picture: '图片', video: '视频', file: '文件' }[msgtype] ?? '这类消息';
  return `抱歉，我暂时还看不懂${kind}，请用文字或语音提问。`;
}

/** What a user sees when the model failed for good: short, with a reference an operator can find. */
export function apology(reference: string): string {
  return `抱歉，这次没能回答你的问题，请稍后再试。（参考编号：${reference}）`;
}
