/**
 * The command words that are fixed, every one of them: an operator has no reason to rename "help" or "usage", and
 * fixed words mean the help text, the README and every robot agree on them. Both apps read them: a worker answers
 * the command, the gateway sends it ahead of a backlog (its lane), so they live here rather than in the worker.
 * The words an operator may choose (`RESET_COMMANDS`, `STOP_COMMANDS`, `FEEDBACK_COMMANDS`, `SCHEDULE_COMMANDS`:
 * chatgpt-dingtalk users bring their own reset word, and the others are words a group may already use for
 * something else) stay settings. Compared without case, like every command word.
 */
export const BUILT_IN_COMMAND_WORDS = {
  /** Shows the help text (`HELP_TEXT` replaces it). */
  help: ['/help', '帮助'],
  /** Shows the asker's settings: model, memory scope, persona, quota left today. */
  settings: ['/settings', '我的设置'],
  /** Lists the personas, or switches to the one named after the word. */
  persona: ['/persona', '角色'],
  /** Admin only: usage and estimated cost today and over the last 7 days, and the quotas. */
  usage: ['/usage', '用量'],
  /** Starts an image request: the text after the word describes the picture (worker only). */
  image: ['/image', '#图片'],
} as const satisfies Record<string, readonly string[]>;
