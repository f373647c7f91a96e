/**
 * What an operator's Prometheus would read off a busy system: the text exposition of `/metrics`, parsed into
 * samples, and the few figures the README's alerts are about.
 */

/** `GET http://127.0.0.1:<port>/metrics`, as samples `{ name, labels, value }`. */
export async function scrape(port) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const samples = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key, value]));
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

const sum = (samples, name, where = () => true) =>
  samples.filter((sample) => sample.name === name && where(sample.labels)).reduce((total, sample) => total + sample.value, 0);

/** The upper bound of the bucket the q-quantile falls in, over the histogram summed across processes. */
export function histogramQuantile(samples, name, q) {
  const buckets = new Map();
  for (const sample of samples.filter((s) => s.name === `${name}_bucket`)) {
    buckets.set(sample.labels.le, (buckets.get(sample.labels.le) ?? 0) + sample.value);
  }
  const ordered = [...buckets].map(([le, count]) => [le === '+Inf' ? Infinity : Number(le), count]).sort((a, b) => a[0] - b[0]);
  const total = ordered.at(-1)?.[1] ?? 0;
  if (total === 0) return undefined;
  return ordered.find(([, count]) => count >= q * total)?.[0];
}

/** The gateway's queue gauges: jobs by state and the oldest waiting job's age. */
export function queueFigures(gatewaySamples) {
  const jobs = {};
  for (const sample of gatewaySamples.filter((s) => s.name === 'dtbot_queue_jobs')) {
    jobs[sample.labels.state] = (jobs[sample.labels.state] ?? 0) + sample.value;
  }
  return { jobs, oldestWaitingSeconds: Math.max(0, ...gatewaySamples.filter((s) => s.name === 'dtbot_queue_oldest_waiting_seconds').map((s) => s.value)) };
}

/** The workers' figures, summed over their scrapes: stored-to-started p50/p99 (bucket bounds) and model 429s. */
export function workerFigures(workerSamples) {
  const all = workerSamples.flat();
  return {
    storedToStartedP50Seconds: histogramQuantile(all, 'dtbot_worker_stored_to_started_seconds', 0.5),
    storedToStartedP99Seconds: histogramQuantile(all, 'dtbot_worker_stored_to_started_seconds', 0.99),
    modelRequests: sum(all, 'dtbot_worker_model_requests_total'),
    model429s: sum(all, 'dtbot_worker_model_requests_total', (labels) => labels.result === 'rate_limited'),
    rateLimitedSeconds: sum(all, 'dtbot_worker_rate_limited_seconds_total'),
  };
}
