import { createServer, type Server } from 'node:http';
import { redisAnswers, type RedisClient } from '@dtbot/shared';
import type { WorkerMetrics } from './metrics.js';

/** The worker's own small HTTP port: `/healthz`, `/readyz` (Redis answers), `/metrics`. */
export function createHealthServer(redis: RedisClient, metrics: WorkerMetrics, isDraining: () => boolean): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.method !== 'GET') return reply(405, '{"error":"method_not_allowed"}');
    if (path === '/healthz') return reply(200, '{"status":"ok"}');
    if (path === '/readyz') {
      if (isDraining()) return reply(503, '{"status":"draining"}');
      void redisAnswers(redis).then((ready) =>
        ready ? reply(200, '{"status":"ready"}') : reply(503, '{"status":"redis unavailable"}'),
      );
      return;
    }
    if (path === '/metrics') {
      void metrics.registry.metrics().then((text) => reply(200, text, metrics.registry.contentType));
      return;
    }
    reply(404, '{"error":"not_found"}');
  });
}
