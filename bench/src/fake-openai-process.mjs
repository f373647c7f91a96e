import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./fake-openai-child.mjs', import.meta.url));

/**
 * The fake OpenAI as a process of its own, for the rate-limit scenario. In the bench process its
 * clock of arrivals, which its limit counts by, ran up to 3 s late while the same event loop was
 * sending the burst of callbacks (measured: requests that left the workers within 5 ms of each
 * other were stamped over 1.5 s): the load generator, not the workers, decided which calls were
 * refused. A provider's clock does not wait for our load generator.
 */
export async function startFakeOpenAIProcess(options) {
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
      exited.then(() => reject(new Error('the fake OpenAI process exited')));
    });
  const baseURL = await reply('baseURL');
  return {
    baseURL,
    /** `{ requests, rateLimited, admittedAt }`: every request, the 429s, arrival times of the admitted. */
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
