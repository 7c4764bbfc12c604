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
 * A tiny HTTP server for services that have no HTTP of their own: `/metrics` for Prometheus and
 * the Kubernetes probes. `/healthz` (and its alias `/readyz`) is readiness: the service decides
 * what healthy means, dependencies included (Redis ready, NATS connected). `/livez` is liveness
 * and only says the process answers: a restart cures neither a Redis failover nor a NATS
 * election, and restarting every pod while Redis is briefly down would turn a blip into an outage
 * (deploy/ points livenessProbe here).
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
