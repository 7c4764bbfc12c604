import { Option, type Command } from 'commander';
import { connect, type NatsConnection } from 'nats';
import { createSubjects, SurfingerError } from '../../protocol/index.ts';
import { probeCluster, type ClusterSnapshot } from '../../services/watchdog/probe.ts';
import { CliErrorCodes } from '../errors.ts';

/**
 * `surfinger status`: one screen for operators, built only from what NATS offers (service API
 * discovery, host loads, JetStream state, the monitoring port). `--json` prints the snapshot for
 * machines. Exit code 1 with a message when NATS or the monitor cannot be reached.
 */

export const StatusErrorCodes = {
  /** The NATS server did not accept a connection (down, wrong URL, bad credentials). */
  NATS_UNREACHABLE: 'SF_ERR_STATUS_NATS_UNREACHABLE',
} as const;

interface StatusOptions {
  json?: boolean;
  nats: string;
  monitor: string | false;
  prefix: string;
  user?: string;
  pass?: string;
  wait: string;
}

const mb = (bytes: number | null | undefined) => (typeof bytes === 'number' ? `${(bytes / 1_048_576).toFixed(1)} MB` : '-');
const pad = (value: unknown, width: number) => String(value).padEnd(width);
const padStart = (value: unknown, width: number) => String(value).padStart(width);

/** The human screen. Sections appear only when they have something to say. */
export function renderStatus(s: ClusterSnapshot, natsUrl: string): string {
  const out: string[] = [`surfinger status   ${natsUrl}   prefix ${s.prefix}   ${s.at}`, ''];
  const m = s.monitor;
  if (m) {
    const js = m.jetstream;
    out.push(
      `NATS        ${m.healthy ? 'healthy' : 'UNHEALTHY'}  v${m.version ?? '?'}  up ${m.uptime ?? '?'}  connections ${m.connections ?? 0}  slow consumers ${m.slowConsumers ?? 0}  mem ${mb(m.memBytes)}  cpu ${m.cpuPercent ?? 0}%`,
    );
    if (js) out.push(`JetStream   ${js.streams} streams  ${js.consumers} consumers  ${js.messages} messages  ${mb(js.storageBytes)} on disk  ${mb(js.memoryBytes)} in memory`);
    out.push('');
  }
  out.push(`Actor hosts (${s.hosts.length})`, `  ${pad('host', 28)}${padStart('games', 7)}${padStart('running', 9)}${padStart('heap', 12)}`);
  for (const h of s.hosts) out.push(`  ${pad(h.hostId + (h.draining ? ' (draining)' : ''), 28)}${padStart(h.games, 7)}${padStart(h.running, 9)}${padStart(mb(h.heapUsedBytes), 12)}`);
  out.push(`  ${pad('total', 28)}${padStart(s.hosts.reduce((n, h) => n + h.games, 0), 7)}${padStart(s.hosts.reduce((n, h) => n + h.running, 0), 9)}`, '');
  out.push(`Connection supervisors (${s.supervisors.length})`, `  ${pad('supervisor', 28)}${padStart('sockets', 9)}${padStart('reconnects', 12)}`);
  for (const v of s.supervisors) out.push(`  ${pad(v.supervisorId, 28)}${padStart(v.openSockets, 9)}${padStart(v.reconnects, 12)}`);
  out.push(`  ${pad('total', 28)}${padStart(s.supervisors.reduce((n, v) => n + v.openSockets, 0), 9)}`, '');

  const byName = new Map<string, { up: number; requests: number; errors: number }>();
  for (const svc of s.services) {
    const agg = byName.get(svc.name) ?? { up: 0, requests: 0, errors: 0 };
    byName.set(svc.name, { up: agg.up + 1, requests: agg.requests + svc.requests, errors: agg.errors + svc.errors });
  }
  out.push('Services', `  ${pad('name', 34)}${padStart('up', 4)}${padStart('requests', 10)}${padStart('errors', 8)}`);
  for (const [name, agg] of byName) out.push(`  ${pad(name, 34)}${padStart(agg.up, 4)}${padStart(agg.requests, 10)}${padStart(agg.errors, 8)}`);
  if (byName.size === 0) out.push('  (none answered $SRV.INFO)');
  out.push('');

  if (s.streams.length > 0) {
    out.push('Streams and consumers');
    for (const st of s.streams) {
      out.push(`  ${pad(st.stream, 20)} R${st.replicas}  ${st.messages} messages, ${mb(st.bytes)}`);
      for (const c of st.consumers) out.push(`    ${pad(c.consumer, 18)} pending ${c.pending}  ack pending ${c.ackPending}  redelivered ${c.redelivered}`);
    }
    out.push('');
  }
  if (s.problems.length > 0) {
    out.push('Problems');
    for (const p of s.problems) out.push(`  ${p.code}: ${p.message}`);
  }
  return out.join('\n').trimEnd();
}

async function connectOrExplain(opts: StatusOptions): Promise<NatsConnection> {
  try {
    return await connect({
      servers: opts.nats.split(','),
      name: 'surfinger-status',
      ...(opts.user ? { user: opts.user } : {}),
      ...(opts.pass ? { pass: opts.pass } : {}),
      timeout: 3_000,
      reconnect: false,
    });
  } catch (err) {
    throw new SurfingerError(StatusErrorCodes.NATS_UNREACHABLE, `cannot connect to NATS at ${opts.nats}: ${(err as Error).message}`, { cause: err });
  }
}

export function register(program: Command): void {
  program
    .command('status')
    .description('one screen for operators: actor hosts and games, supervisors and sockets, services, stream lag, NATS health')
    .option('--json', 'print the snapshot as JSON')
    .addOption(new Option('--nats <url>', 'NATS server URL(s), comma-separated').env('SF_NATS_URL').default('nats://127.0.0.1:4222'))
    .addOption(new Option('--monitor <url>', 'NATS monitoring base URL').env('SF_NATS_MONITOR_URL').default('http://127.0.0.1:8222'))
    .option('--no-monitor', 'skip the NATS monitoring port')
    .addOption(new Option('--prefix <prefix>', 'subject prefix of the cluster').env('SF_PREFIX').default('sf'))
    .addOption(new Option('--user <user>', 'NATS user (the operator user in production)').env('SF_NATS_USER'))
    .addOption(new Option('--pass <password>', 'NATS password').env('SF_NATS_PASS'))
    .addOption(new Option('--wait <ms>', 'how long to collect service replies').default('500'))
    .action(async (opts: StatusOptions) => {
      const waitMs = Number(opts.wait);
      if (!Number.isInteger(waitMs) || waitMs < 50 || waitMs > 10_000) throw new SurfingerError(CliErrorCodes.USAGE, `--wait must be 50..10000 ms, got ${opts.wait}`);
      const subjects = createSubjects(opts.prefix);
      const nc = await connectOrExplain(opts);
      try {
        const snapshot = await probeCluster({ nc, subjects, monitorUrl: opts.monitor === false ? null : opts.monitor, waitMs });
        process.stdout.write(`${opts.json ? JSON.stringify(snapshot, null, 2) : renderStatus(snapshot, opts.nats)}\n`);
        if (snapshot.problems.length > 0) {
          for (const p of snapshot.problems) process.stderr.write(`surfinger status: ${p.message} [${p.code}]\n`);
          process.exitCode = 1;
        }
      } finally {
        await nc.close();
      }
    });
}
