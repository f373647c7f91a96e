/**
 * Where DingTalk may post callbacks: ours, and `/`, the route of chatgpt-dingtalk, so a robot whose
 * console still points at the old address keeps working after the switch.
 */
export const CALLBACK_PATHS: readonly string[] = ['/dingtalk/callback', '/'];

/** Where DingTalk posts presses of the buttons of AI cards created with `callbackType: "HTTP"`. */
export const CARD_CALLBACK_PATH = '/dingtalk/card-callback';
