import { startFakeDingTalk, startFakeDingTalkStream, startFakeOpenAI } from '@dtbot/testkit';
import { startGateway, startWorker } from './apps.mjs';
import { APP_SECRET, appEnv, ROBOT_CODE } from './callbacks.mjs';
import { startFakeDingTalkProcess } from './fake-dingtalk-process.mjs';
import { startFakeOpenAIProcess } from './fake-openai-process.mjs';
import { sampleRss } from './rss.mjs';

/**
 * The whole product for one scenario: fake OpenAI and fake DingTalk in this process (real HTTP
 * servers on 127.0.0.1; the fake OpenAI in a process of its own with `openaiProcess`, see
 * fake-openai-process.mjs; the fake DingTalk with `dingtalkProcess`, its options, see
 * fake-dingtalk-process.mjs), the built gateway and workers as processes, all under a Redis prefix of
 * the scenario's own. `close()` stops everything and removes the prefix, also after a failure.
 * With `stream`, the gateways (`stream.gateways` of them) run in Stream mode against a fake Stream
 * server (`system.stream`) instead of taking HTTP callbacks. `env` is added to every app's settings (a Redis
 * Cluster, queue shards).
 */
export async function startSystem(
  ctx,
  { label, openai = {}, openaiProcess = false, dingtalkProcess, env: extraEnv = {}, workers = 0, workerEnv = {}, workerNodeArgs = [], stream },
) {
  const prefix = ctx.newPrefix(label);
  const fakeOpenAI = openaiProcess ? await startFakeOpenAIProcess(openai) : await startFakeOpenAI(openai);
  const credentials = { [ROBOT_CODE]: APP_SECRET };
  const dingtalk = dingtalkProcess
    ? await startFakeDingTalkProcess({ ...dingtalkProcess, credentials })
    : await startFakeDingTalk({ credentials });
  const fakeStream = stream ? await startFakeDingTalkStream({ credentials: { [ROBOT_CODE]: APP_SECRET }, ...stream.fake }) : undefined;
  const gatewayEnv = fakeStream ? { DINGTALK_MODE: 'stream', DINGTALK_API_BASE_URL: fakeStream.apiBaseURL } : {};
  const env = {
    ...appEnv(ctx, prefix, dingtalk),
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: fakeOpenAI.baseURL,
    OPENAI_MODEL: 'fake-model',
    ...extraEnv,
  };
  const apps = [];
  const memory = { gatewayMB: 0, workerMB: 0 };
  const track = (app) => {
    const rss = sampleRss(app.pid);
    const kind = app.name === 'gateway' ? 'gatewayMB' : 'workerMB';
    apps.push({
      app,
      /** Reads the peak before the process goes away (VmHWM is gone with it). */
      settle() {
        const { peakMB, hwmMB } = rss.stop();
        memory[kind] = Math.max(memory[kind], peakMB, hwmMB ?? 0);
      },
    });
    return app;
  };
  const settleOf = (app) => apps.find((entry) => entry.app === app)?.settle();

  let closed = false;
  const system = {
    prefix,
    openai: fakeOpenAI,
    dingtalk,
    stream: fakeStream,
    gateway: undefined,
    gateways: [],
    workers: [],
    memory,
    async addWorker(extraEnv = {}) {
      const worker = track(await startWorker(ctx.logDir, { ...env, ...workerEnv, ...extraEnv }, workerNodeArgs));
      system.workers.push(worker);
      return worker;
    },
    /** SIGKILL, as a crash: no drain, locks left to expire. */
    killWorker(worker) {
      settleOf(worker);
      worker.kill('SIGKILL');
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const entry of apps) entry.settle();
      await Promise.all(apps.map(({ app }) => app.stop()));
      await Promise.all([fakeOpenAI.close(), dingtalk.close(), fakeStream?.close()]);
      await ctx.cleanupPrefix(prefix);
    },
  };
  try {
    for (let index = 0; index < (stream?.gateways ?? 1); index += 1) {
      system.gateways.push(track(await startGateway(ctx.logDir, { ...env, ...gatewayEnv })));
    }
    system.gateway = system.gateways[0];
    for (let index = 0; index < workers; index += 1) await system.addWorker();
  } catch (error) {
    await system.close();
    throw error;
  }
  return system;
}

/**
 * Runs `work` with a system that is closed afterwards, whatever happens; adds the peak memory of
 * its processes (known only once they are done) to the result.
 */
export async function withSystem(ctx, options, work) {
  const system = await startSystem(ctx, options);
  let result;
  try {
    result = await work(system);
  } finally {
    await system.close();
  }
  const rounded = (mb) => Math.round(mb * 10) / 10;
  return { ...result, memory: { gatewayMB: rounded(system.memory.gatewayMB), workerMB: rounded(system.memory.workerMB) } };
}
