/**
 * The flags each app's `node` is started with, wherever it is started: the image's default command, Compose, the
 * Kubernetes manifests, `npm start` and the bench (`deploy/test` holds the first three to these values).
 *
 * The gateway's old generation is capped at 128 MB. Its live heap under load is about 25 MB, but with V8's default
 * limit for a large machine (4 GB here) V8 lets garbage promoted by the minor collections pile up for tens of
 * seconds before its first full collection: at 64 connections the gateway's RSS went past 160 MB after about 10 s
 * of load and near 190 MB after 30 s. With the cap V8 collects it every few seconds, at 30-45 MB of old generation,
 * and the RSS stayed at 123-129 MB over 30 s, with the same acks per second (bench, alternating rounds). The cap
 * is five times the live heap, room for a burst of the largest callbacks (256 KB each) on every connection, and it
 * keeps the process inside the 256 MiB limit of the gateway's Kubernetes manifest.
 *
 * The worker keeps V8's default: what it holds varies with the files it reads and the answers it writes.
 */
export const NODE_FLAGS = {
  gateway: ['--max-old-space-size=128'],
  worker: [],
} as const satisfies Record<'gateway' | 'worker', readonly string[]>;
