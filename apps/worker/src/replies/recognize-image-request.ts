import type { WorkerSettings } from '../deps.js';

/**
 * An image request is a message that starts with an image word (`/image 一只猫`, `#图片一只猫`,
 * compared without case); the rest describes the picture. A word that ends in a letter or digit
 * must be followed by a space, a colon or nothing, so `/imagery` is not a request; `#图片` may run
 * straight into the description, as Chinese is written. `prompt` is empty when nothing follows.
 */
export function recognizeImageRequest(
  text: string,
  settings: Pick<WorkerSettings, 'imageCommands'>,
): { word: string; prompt: string } | undefined {
  const said = text.trim();
  for (const word of settings.imageCommands) {
    if (!said.toLowerCase().startsWith(word.toLowerCase())) continue;
    const rest = said.slice(word.length);
    const joined = /[A-Za-z0-9]$/.test(word) && rest !== '' && !/^[\s:：]/.test(rest);
    if (!joined) return { word, prompt: rest.replace(/^[\s:：]+/, '').trim() };
  }
  return undefined;
}
