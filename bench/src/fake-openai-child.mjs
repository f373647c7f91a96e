// The fake OpenAI in a process of its own (see fake-openai-process.mjs). Options arrive as JSON in
// argv[2]; the parent is told the base URL once listening, and asks for a report over IPC.
import { startFakeOpenAI } from '@dtbot/testkit';

const options = JSON.parse(process.argv[2] ?? '{}');
/** Requests that got past the rate limit reach the answer; the provider's clock of their arrival is kept. */
const admitted = new WeakSet();
const fake = await startFakeOpenAI({
  ...options,
  answer: (body) => {
    admitted.add(body);
    const question = (body.messages ?? []).filter((message) => message.role === 'user').at(-1)?.content;
    return `答复: ${typeof question === 'string' ? question : ''}`;
  },
});

process.on('message', async (message) => {
  if (message === 'report') {
    process.send({
      report: {
        requests: fake.requests.length,
        rateLimited: fake.rateLimited,
        admittedAt: fake.requests.filter((request) => admitted.has(request.body)).map((request) => request.receivedAt),
      },
    });
  } else if (message === 'close') {
    await fake.close();
    process.exit(0);
  }
});
process.send({ baseURL: fake.baseURL });
