import type { WorkerSettings } from '../deps.js';
import {
  EMPTY_QUESTION,
  emptyImagePrompt,
  IMAGES_UNAVAILABLE,
  PICTURES_NOT_READ,
  templateUsage,
  UNRECOGNIZED_AUDIO,
  unsupportedKind,
} from './canned-replies.js';
import type { Note } from './reply.js';

/** A short note instead of silence when a message cannot be answered as asked. */
export function noteReply(reply: Note, settings: Pick<WorkerSettings, 'imageCommands'>): string {
  switch (reply.note) {
    case 'empty_question':
      return EMPTY_QUESTION;
    case 'unreadable_kind':
      return unsupportedKind(reply.msgtype, reply.readsPictures, reply.readsFiles);
    case 'pictures_not_read':
      return PICTURES_NOT_READ;
    case 'unrecognized_audio':
      return UNRECOGNIZED_AUDIO;
    case 'empty_image_prompt':
      return emptyImagePrompt(settings);
    case 'images_unavailable':
      return IMAGES_UNAVAILABLE;
    case 'template_without_text':
      return templateUsage(reply.template);
  }
}
