import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./fake-dingtalk-child.mjs', import.meta.url));

/**
 * The fake DingTalk as a process of its own, for the card scenario: DingTalk counts card calls by
 * its own clock of arrivals, which in the bench process would run late while the same event loop
 * sends the callbacks (the rate-limit scenario measured up to 3 s for the fake OpenAI).
 */
export async function startFakeDingTalkProcess(options) {
  const child = fork(CHILD, [JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const reply = (key) =>
    new Promise((resolve, reject) => {
      const onMessage = (message) => {
        if (message?.[key] === undefined) return;
        child.off('message', onMessage);
        resolve(message[key]);
      };
      child.on('message', onMessage);
      exited.then(() => reject(new Error('the fake DingTalk process exited')));
    });
  const origin = await reply('origin');
  return {
    pid: child.pid,
    origin,
    apiBaseURL: origin,
    sessionWebhook: (session) => `${origin}/robot/sendBySession?session=${encodeURIComponent(session)}`,
    /** `{ cards, cardCalls, delivered, lagMs }` as the fake recorded them, arrival times by its clock, and how late its event loop ran. */
    report() {
      const answer = reply('report');
      child.send('report');
      return answer;
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send('close');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
