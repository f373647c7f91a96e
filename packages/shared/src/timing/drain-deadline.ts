/**
 * After SIGTERM, how long each app lets the work in flight finish before it closes what is left. Whatever hangs
 * after that (a Redis that never answers QUIT, a closed stdout), the process exits `EXIT_LAST_RESORT_MS` later. A
 * grace period must cover the preStop pause, the deadline and the last resort: `deploy/test` holds compose and the
 * Kubernetes manifests to these values.
 */
export const DRAIN_DEADLINE_MS = {
  /**
   * Callbacks and Stream frames in flight: each is one store, done in well under a second; 10 s rides out a Redis
   * failover. With the 5 s preStop and the last resort that is 20 s, inside Kubernetes' default grace period (30 s).
   */
  gateway: 10_000,
  /**
   * Jobs in flight: answers being written, which may take up to a model request's timeout (a minute). 30 s lets most
   * of them finish; the rest are handed back and another worker takes them over, so none is lost, only later. With
   * the last resort this is more than Kubernetes' default grace period: the worker's manifests give it 45 s.
   */
  worker: 30_000,
} as const;

/** Past its drain deadline, a process that has still not ended exits anyway this much later. */
export const EXIT_LAST_RESORT_MS = 5000;
