import type { Command } from 'commander';
import { startCluster, type Cluster } from '../../services/local/cluster.ts';
import { DELIVERY_MODES, type Delivery } from '../../services/common/config.ts';

interface UpOptions {
  json?: boolean;
  delivery: string;
  hosts: string;
  supervisors: string;
  ingressPort?: string;
  sandboxPort?: string;
  natsPort?: string;
  redisPort?: string;
  natsCluster?: string;
  redisHa?: boolean;
  prefix: string;
  logLevel: string;
  logDir?: string;
  readyTimeout: string;
}

function positiveInt(value: string, flag: string, max = 65_535): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`${flag} must be a whole number, got "${value}"`);
  return n;
}

const DELIVERY_LINES: Record<Delivery, string> = {
  http: 'http (Events API: Slack posts commands, clicks and events to ingress)',
  socket: 'socket (one app over Socket Mode, every workspace on its connections)',
  'workspace-apps': 'workspace-apps (each workspace its own app, one socket per workspace)',
};

function delivery(value: string): Delivery {
  if (!(DELIVERY_MODES as readonly string[]).includes(value)) throw new Error(`--delivery must be one of ${DELIVERY_MODES.join(', ')}, got "${value}"`);
  return value as Delivery;
}

function describe(cluster: Cluster): string {
  const team = cluster.sandbox.teams[0];
  const lines = [
    '  SurFinger is up.',
    '',
    `  Play in the browser:   ${cluster.sandbox.uiUrl}`,
    ...(team ? [`                         (team ${team.teamId}: try /start in #${team.channels[0]?.name ?? 'general'}, then type the sentence)`] : []),
    '',
    `  Slack delivery:        ${DELIVERY_LINES[cluster.delivery]}`,
    `  Landing page:          ${cluster.ingressUrl}/`,
    `  Admin page:            ${cluster.ingressUrl}/admin   (user ${cluster.env.SF_ADMIN_USER}, password ${cluster.env.SF_ADMIN_PASSWORD})`,
    `  Slack API (sandbox):   ${cluster.sandbox.apiUrl}`,
    `  NATS:                  ${cluster.natsUrl}   monitoring ${cluster.natsMonitorUrl}`,
    `                         (anonymous clients are refused: operator user ${cluster.natsAuth.user}, password ${cluster.natsAuth.pass})`,
    `  Redis:                 ${cluster.redisUrl}`,
    `  Logs:                  ${cluster.logDir}`,
    '',
    '  Processes:',
    ...cluster.processes.map((p) => `    ${p.id.padEnd(26)} pid ${p.pid}`),
    '',
    '  Press Ctrl-C to stop everything.',
  ];
  return `${lines.join('\n')}\n`;
}

export function register(program: Command): void {
  program
    .command('up')
    .description('run the whole cluster on this machine: nats-server, redis-server, the Slack sandbox and every service as its own process')
    .option('--json', 'print one JSON line with every URL, the sandbox credentials and process ids once all is ready')
    .option('--delivery <mode>', `how Slack reaches the cluster: ${DELIVERY_MODES.join(' | ')}`, 'http')
    .option('--hosts <n>', 'actor-host processes', '1')
    .option('--supervisors <n>', 'connection-supervisor processes (socket and workspace-apps delivery; none in http)', '1')
    .option('--ingress-port <port>', 'ingress HTTP port (default: a free port)')
    .option('--sandbox-port <port>', 'sandbox port (default: a free port)')
    .option('--nats-port <port>', 'nats-server client port (default: a free port)')
    .option('--redis-port <port>', 'redis-server port (default: a free port)')
    .option('--nats-cluster <n>', 'run a 3-server NATS cluster (JetStream R3) instead of one nats-server; only 3 is supported')
    .option('--redis-ha', 'run Redis as primary + replica + 3 Sentinels instead of one redis-server')
    .option('--prefix <prefix>', 'NATS subject/stream prefix', 'sf')
    .option('--log-level <level>', 'service log level', 'info')
    .option('--log-dir <dir>', 'where each process writes its log (default .tmp/logs/<time>)')
    .option('--ready-timeout <ms>', 'how long each process may take to say it is ready (a loaded machine needs more)', '30000')
    .action(async (opts: UpOptions) => {
      const hosts = positiveInt(opts.hosts, '--hosts');
      const supervisors = positiveInt(opts.supervisors, '--supervisors');
      const mode = delivery(opts.delivery);
      if (opts.natsCluster !== undefined && opts.natsCluster !== '3') throw new Error(`--nats-cluster takes 3 (a Raft quorum that survives one server), got "${opts.natsCluster}"`);
      if (!opts.json) process.stderr.write('starting nats-server, redis-server, the sandbox and the services…\n');
      const cluster = await startCluster({
        delivery: mode,
        hosts: Math.max(1, hosts),
        supervisors: Math.max(1, supervisors),
        prefix: opts.prefix,
        logLevel: opts.logLevel,
        readyTimeoutMs: Math.max(1, positiveInt(opts.readyTimeout, '--ready-timeout', 600_000)),
        // One machine has no Kubernetes to bring a dead service back: the cluster does it.
        supervise: true,
        onSupervision: (event) => {
          if (event.kind === 'restarting') process.stderr.write(`${event.id} exited (code ${event.code}, signal ${event.signal}); restarting in ${event.delayMs} ms; see ${event.logFile}\n`);
          else if (event.kind === 'restarted') process.stderr.write(`${event.id} restarted (pid ${event.pid})\n`);
          else process.stderr.write(`${event.message}\n`);
        },
        ...(opts.logDir ? { logDir: opts.logDir } : {}),
        ...(opts.ingressPort ? { ingressPort: positiveInt(opts.ingressPort, '--ingress-port') } : {}),
        ...(opts.natsPort ? { natsPort: positiveInt(opts.natsPort, '--nats-port') } : {}),
        ...(opts.redisPort ? { redisPort: positiveInt(opts.redisPort, '--redis-port') } : {}),
        ...(opts.natsCluster ? { natsCluster: 3 as const } : {}),
        ...(opts.redisHa ? { redisHa: true as const } : {}),
        ...(opts.sandboxPort ? { sandbox: { port: positiveInt(opts.sandboxPort, '--sandbox-port') } } : {}),
      });
      if (opts.json) {
        process.stdout.write(
          JSON.stringify({
            delivery: cluster.delivery,
            sandbox: cluster.sandbox,
            sandboxUrl: cluster.sandboxUrl,
            ingressUrl: cluster.ingressUrl,
            natsUrl: cluster.natsUrl,
            natsMonitorUrl: cluster.natsMonitorUrl,
            redisUrl: cluster.redisUrl,
            prefix: cluster.prefix,
            logDir: cluster.logDir,
            admin: { user: cluster.env.SF_ADMIN_USER, password: cluster.env.SF_ADMIN_PASSWORD },
            nats: cluster.natsAuth,
            services: Object.fromEntries(cluster.processes.map((p) => [p.id, p.pid])),
          }) + '\n',
        );
      } else {
        process.stdout.write(describe(cluster));
      }
      // A service dying on its own is said out loud by onSupervision above, and restarted; the
      // sandbox is not (a new one would be a new Slack), so its exit is reported here.
      let stopping = false;
      for (const p of cluster.processes.filter((x) => x.name === 'sandbox')) {
        void p.exited().then((code) => {
          if (!stopping) process.stderr.write(`${p.id} exited with code ${code}; see ${p.logFile}\n`);
        });
      }
      await new Promise<void>((resolve) => {
        const shutdown = () => {
          if (stopping) return;
          stopping = true;
          if (!opts.json) process.stderr.write('\nstopping…\n');
          void cluster.stop().then(resolve);
        };
        process.on('SIGINT', shutdown);
        process.on('SIGTERM', shutdown);
      });
    });
}
