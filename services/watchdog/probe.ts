import { RequestStrategy, type NatsConnection, type ServiceInfo, type ServiceStats } from 'nats';
import { codecs, ServiceNames, type HostLoad, type Subjects } from '../../protocol/index.ts';

/**
 * One look at the whole cluster through what NATS itself offers — the service API
 * (`$SRV.INFO` / `$SRV.STATS`, many replies collected for `waitMs`), host load broadcasts,
 * JetStream stream and consumer state, and the server's monitoring port (`/healthz`, `/varz`,
 * `/connz`, `/jsz`). `surfinger status` prints it; the watchdog turns it into alerts.
 * Every part fails on its own: an unreachable monitor is a problem in the snapshot, not a throw.
 */

export interface ServiceInstance {
  name: string;
  id: string;
  version: string;
  metadata: Record<string, string>;
  started?: string;
  requests: number;
  errors: number;
  /** Stats handler data, merged over the instance's endpoints. */
  data: Record<string, unknown>;
}

export interface HostStatus {
  /** NATS service instance id. */
  id: string;
  hostId: string;
  games: number;
  running: number;
  /** From the host's last HostLoad broadcast, when one arrived within the probe window. */
  heapUsedBytes: number | null;
  draining: boolean;
}

export interface SupervisorStatus {
  id: string;
  supervisorId: string;
  openSockets: number;
  reconnects: number;
}

export interface ConsumerStatus {
  stream: string;
  consumer: string;
  pending: number;
  ackPending: number;
  redelivered: number;
}

export interface StreamStatus {
  stream: string;
  /** JetStream replicas: 1 until an operator raises it on a clustered NATS (docs/operations.md). */
  replicas: number;
  messages: number;
  bytes: number;
  consumers: ConsumerStatus[];
}

export interface MonitorStatus {
  url: string;
  healthy: boolean;
  version?: string;
  uptime?: string;
  connections?: number;
  /** Client connections by connection name (each service names its connection). */
  connectionsByName?: Record<string, number>;
  slowConsumers?: number;
  memBytes?: number;
  cpuPercent?: number;
  inMsgs?: number;
  outMsgs?: number;
  jetstream?: { streams: number; consumers: number; messages: number; bytes: number; storageBytes: number; memoryBytes: number };
}

export interface ClusterSnapshot {
  at: string;
  prefix: string;
  services: ServiceInstance[];
  hosts: HostStatus[];
  supervisors: SupervisorStatus[];
  streams: StreamStatus[];
  monitor: MonitorStatus | null;
  /** What could not be looked at, each with its SF_ERR_* code. */
  problems: Array<{ code: string; message: string }>;
}

export const ProbeErrorCodes = {
  /** The NATS monitoring port did not answer (or answered garbage). */
  MONITOR_UNREACHABLE: 'SF_ERR_STATUS_MONITOR_UNREACHABLE',
  /** JetStream stream/consumer state could not be read. */
  JETSTREAM: 'SF_ERR_STATUS_JETSTREAM',
} as const;

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** All replies to a service API request; no responders (NATS 503) just means no services. */
async function collect<T>(iterable: Promise<AsyncIterable<T>>): Promise<T[]> {
  const out: T[] = [];
  try {
    for await (const item of await iterable) out.push(item);
  } catch (err) {
    if ((err as { code?: string }).code !== '503') throw err;
  }
  return out;
}

async function hostLoads(nc: NatsConnection, subjects: Subjects, waitMs: number): Promise<Map<string, HostLoad>> {
  const latest = new Map<string, HostLoad>();
  const sub = nc.subscribe(subjects.allHostLoads(), {
    callback: (err, msg) => {
      if (err) return;
      try {
        const load = codecs.hostLoad.decode(msg.data);
        latest.set(load.hostId, load);
      } catch {
        // A malformed broadcast only means this host shows no memory figure.
      }
    },
  });
  await new Promise((r) => setTimeout(r, waitMs));
  sub.unsubscribe();
  return latest;
}

async function streams(nc: NatsConnection, subjects: Subjects): Promise<StreamStatus[]> {
  const jsm = await nc.jetstreamManager();
  const out: StreamStatus[] = [];
  for (const name of Object.values(subjects.streams)) {
    let info;
    try {
      info = await jsm.streams.info(name);
    } catch (err) {
      // A stream nobody created yet (no game played) is not a problem.
      if (/not found/i.test(String((err as Error).message))) continue;
      throw err;
    }
    const consumers: ConsumerStatus[] = [];
    for await (const c of jsm.consumers.list(name)) {
      consumers.push({ stream: name, consumer: c.name, pending: c.num_pending, ackPending: c.num_ack_pending, redelivered: c.num_redelivered });
    }
    out.push({ stream: name, replicas: info.config.num_replicas, messages: info.state.messages, bytes: info.state.bytes, consumers });
  }
  return out;
}

async function getJson(url: string, timeoutMs: number): Promise<{ status: number; body: Dict }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body: unknown = await res.json();
  if (!isDict(body)) throw new Error(`${url} did not return a JSON object`);
  return { status: res.status, body };
}

export async function probeMonitor(baseUrl: string, timeoutMs = 2_000): Promise<MonitorStatus> {
  const base = baseUrl.replace(/\/$/, '');
  const [healthz, varz, connz, jsz] = await Promise.all([
    getJson(`${base}/healthz`, timeoutMs),
    getJson(`${base}/varz`, timeoutMs),
    getJson(`${base}/connz?limit=1024`, timeoutMs),
    getJson(`${base}/jsz`, timeoutMs),
  ]);
  const byName: Record<string, number> = {};
  for (const c of Array.isArray(connz.body.connections) ? connz.body.connections : []) {
    const name = isDict(c) && typeof c.name === 'string' && c.name !== '' ? c.name : '(unnamed)';
    byName[name] = (byName[name] ?? 0) + 1;
  }
  const v = varz.body;
  const j = jsz.body;
  return {
    url: base,
    healthy: healthz.status === 200 && healthz.body.status === 'ok',
    ...(typeof v.version === 'string' ? { version: v.version } : {}),
    ...(typeof v.uptime === 'string' ? { uptime: v.uptime } : {}),
    connections: num(v.connections),
    connectionsByName: byName,
    slowConsumers: num(v.slow_consumers),
    memBytes: num(v.mem),
    cpuPercent: num(v.cpu),
    inMsgs: num(v.in_msgs),
    outMsgs: num(v.out_msgs),
    jetstream: { streams: num(j.streams), consumers: num(j.consumers), messages: num(j.messages), bytes: num(j.bytes), storageBytes: num(j.storage), memoryBytes: num(j.memory) },
  };
}

function mergedData(stats: ServiceStats | undefined): Dict {
  const out: Dict = {};
  for (const e of stats?.endpoints ?? []) if (isDict(e.data)) Object.assign(out, e.data);
  return out;
}

export interface ProbeOptions {
  nc: NatsConnection;
  subjects: Subjects;
  /** NATS monitoring base URL (http://host:8222); null skips the monitor. */
  monitorUrl: string | null;
  /** How long to collect service API replies. */
  waitMs?: number;
  /** How long to listen for host load broadcasts (hosts send one per second by default). */
  loadWaitMs?: number;
  now?: () => Date;
}

export async function probeCluster(opts: ProbeOptions): Promise<ClusterSnapshot> {
  const waitMs = opts.waitMs ?? 500;
  const client = opts.nc.services.client({ strategy: RequestStrategy.Timer, maxWait: waitMs });
  const problems: ClusterSnapshot['problems'] = [];
  const [infos, stats, loads, streamState, monitor] = await Promise.all([
    collect<ServiceInfo>(client.info()),
    collect<ServiceStats>(client.stats()),
    hostLoads(opts.nc, opts.subjects, opts.loadWaitMs ?? Math.max(waitMs, 1_100)),
    streams(opts.nc, opts.subjects).catch((err: unknown) => {
      problems.push({ code: ProbeErrorCodes.JETSTREAM, message: `JetStream state unavailable: ${(err as Error).message}` });
      return [];
    }),
    opts.monitorUrl === null
      ? Promise.resolve(null)
      : probeMonitor(opts.monitorUrl).catch((err: unknown) => {
          problems.push({ code: ProbeErrorCodes.MONITOR_UNREACHABLE, message: `NATS monitoring at ${opts.monitorUrl} unreachable: ${(err as Error).message}` });
          return null;
        }),
  ]);

  const statsById = new Map(stats.map((s) => [s.id, s]));
  const services: ServiceInstance[] = infos
    .filter((i) => i.name.startsWith('surfinger-'))
    .map((i) => {
      const s = statsById.get(i.id);
      return {
        name: i.name,
        id: i.id,
        version: i.version,
        metadata: i.metadata ?? {},
        ...(s?.started ? { started: s.started } : {}),
        requests: (s?.endpoints ?? []).reduce((n, e) => n + e.num_requests, 0),
        errors: (s?.endpoints ?? []).reduce((n, e) => n + e.num_errors, 0),
        data: mergedData(s),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name) || (a.metadata.hostId ?? a.metadata.supervisorId ?? a.id).localeCompare(b.metadata.hostId ?? b.metadata.supervisorId ?? b.id));

  const hosts: HostStatus[] = services
    .filter((s) => s.name === ServiceNames.actorHost)
    .map((s) => {
      const hostId = s.metadata.hostId ?? s.id;
      const load = loads.get(hostId);
      return { id: s.id, hostId, games: num(s.data.games), running: num(s.data.running), heapUsedBytes: load ? load.heapUsed : null, draining: load?.draining ?? false };
    });
  const supervisors: SupervisorStatus[] = services
    .filter((s) => s.name === ServiceNames.supervisor)
    .map((s) => ({ id: s.id, supervisorId: s.metadata.supervisorId ?? s.id, openSockets: num(s.data.openSockets), reconnects: num(s.data.reconnects) }));

  return { at: (opts.now?.() ?? new Date()).toISOString(), prefix: opts.subjects.prefix, services, hosts, supervisors, streams: streamState, monitor, problems };
}
