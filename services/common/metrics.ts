import { createServer, type Server } from 'node:http';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { registerRejectionMetric } from './rejections.ts';

/** A registry per process with Node's default metrics; services add their own to it. */
export function createMetricsRegistry(svc: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ svc });
  collectDefaultMetrics({ register: registry });
  registerRejectionMetric(registry);
  return registry;
}

/**
 * A tiny HTTP server for services that have no HTTP of their own: `/metrics` for Prometheus,
 * `/healthz` (= `/readyz`) for readiness (the service decides what healthy means: its NATS and
 * Redis), `/livez` for liveness, which only says the process answers, so an outage of Redis or NATS
 * takes pods out of rotation instead of restarting all of them.
 */
export async function startOpsServer(opts: { port: number; host?: string; registry: Registry; healthy: () => boolean }): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/metrics') {
      opts.registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { 'content-type': opts.registry.contentType });
          res.end(body);
        })
        .catch(() => {
          res.writeHead(500);
          res.end();
        });
      return;
    }
    if (req.url === '/livez') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true }));
      return;
    }
    if (req.url === '/healthz' || req.url === '/readyz') {
      const ok = opts.healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok }));
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(opts.port, opts.host ?? '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
