import autocannon from 'autocannon';
import { freshSignedHeaders } from './callbacks.mjs';
import { percentile } from './stats.mjs';

/**
 * Posts callbacks to `/dingtalk/callback` over `connections` keep-alive connections for `seconds`,
 * each request with a fresh body from `nextBody()` and freshly signed headers.
 *
 * Latencies are kept exactly (autocannon's own histogram truncates to whole milliseconds, too
 * coarse for a 20 ms target). `acked` holds the msgIds answered 2xx, so the caller can check that
 * each one became exactly one job. When the time is up autocannon drops the requests in flight;
 * the server may still store those (`sent` minus answered says how many there can be).
 */
export async function runLoad({ port, seconds, connections = 64, nextBody }) {
  const acked = new Set();
  const latencies = [];
  const statuses = {};
  let sent = 0;
  const instance = autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    pipelining: 1,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: '/dingtalk/callback',
        setupRequest(request, context) {
          const { msgId, body } = nextBody();
          context.msgId = msgId;
          sent += 1;
          return { ...request, headers: { ...freshSignedHeaders() }, body };
        },
        onResponse(status, _body, context) {
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status >= 200 && status < 300) acked.add(context.msgId);
        },
      },
    ],
  });
  instance.on('response', (_client, _status, _bytes, responseTimeMs) => latencies.push(responseTimeMs));
  const result = await instance;
  const answered = latencies.length;
  return {
    seconds: result.duration,
    sent,
    answered,
    requestsPerSecond: answered / result.duration,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: percentile(latencies, 100) },
    statuses,
    non2xx: answered - acked.size,
    errors: result.errors,
    timeouts: result.timeouts,
    acked,
  };
}
