// The fake DingTalk in a process of its own (see fake-dingtalk-process.mjs). Options arrive as JSON in
// argv[2]; the parent is told the origin once listening, and asks for a report over IPC.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startFakeDingTalk } from '@dtbot/testkit';

const fake = await startFakeDingTalk(JSON.parse(process.argv[2] ?? '{}'));
// Arrivals are stamped when this event loop gets to them: a late loop (a starved CPU) bunches them.
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();

process.on('message', async (message) => {
  if (message === 'report') {
    process.send({
      report: {
        cards: fake.cards(),
        cardCalls: fake.cardCalls,
        delivered: fake.delivered(),
        lagMs: { p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 },
      },
    });
  } else if (message === 'close') {
    await fake.close();
    process.exit(0);
  }
});
process.send({ origin: fake.origin });
