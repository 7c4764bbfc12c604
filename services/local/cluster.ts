import { LocalErrorCodes } from './errors.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, createWriteStream, mkdirSync, openSync, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SurfingerError } from '../../protocol/errors.ts';
import { createSubjects } from '../../protocol/subjects.ts';
import { natsUsers, renderAuthConf } from '../../deploy/nats/permissions.ts';
import { passwordHash, redisUrlFor, redisUsers, renderAcl } from '../../deploy/redis/acl.ts';
import type { SandboxInfo } from '../sandbox/index.ts';
import type { Delivery } from '../common/config.ts';
import { seedSandboxTeams } from './token-seed.ts';
import { freePort, startNatsServer, startRedisServer, type NatsServer, type RedisServer } from './local-infra.ts';
import { startNatsCluster, type NatsCluster } from './local-nats-cluster.ts';
import { startRedisHa, type RedisHa } from './local-redis-ha.ts';

/**
 * A whole surfinger cluster on one machine, every part its own OS process: nats-server
 * (JetStream), redis-server, the Slack sandbox and each service. `surfinger up`, the end-to-end
 * and chaos tests, the bots and the benchmarks all start it through here, so what they exercise
 * is exactly what runs in production, with only Slack replaced by the sandbox.
 */

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The services `surfinger service <name>` can run, in the order a cluster starts them. */
export const SERVICE_NAMES = ['egress', 'ranking', 'actor-host', 'connection-supervisor', 'scheduler', 'ingress', 'watchdog'] as const;
export type ServiceKind = (typeof SERVICE_NAMES)[number];

/** The sandbox's start line (its own type: the contract lives with the sandbox). */
export type { SandboxInfo };

export interface ClusterOptions {
  /**
   * How Slack reaches the cluster (SF_SLACK_DELIVERY, default `http`); the sandbox models the same
   * mode. In `http` mode no connection supervisor runs unless `services` asks for one.
   */
  delivery?: Delivery;
  hosts?: number;
  supervisors?: number;
  /** Which services to run (default: all of SERVICE_NAMES that exist). */
  services?: readonly ServiceKind[];
  /** `tokenRotation`: expiring bot tokens with refresh tokens, each living `tokenLifetimeSeconds`. */
  sandbox?: { teams?: number; channels?: number; users?: number; port?: number; tokenRotation?: boolean; tokenLifetimeSeconds?: number };
  ingressPort?: number;
  natsPort?: number;
  redisPort?: number;
  /** Three clustered nats-servers instead of one; streams and buckets get 3 replicas (SF_JS_REPLICAS). */
  natsCluster?: 3;
  /** Redis primary + replica + 3 Sentinels instead of one redis-server; services get the Sentinel URL. */
  redisHa?: true;
  prefix?: string;
  logLevel?: string;
  /** Extra env for every service (wins over defaults), e.g. short idle expiries in tests. */
  env?: Record<string, string>;
  /** Per-service extra env. */
  serviceEnv?: Partial<Record<ServiceKind, Record<string, string>>>;
  /** Where each process's log goes (one file per process). Default: .tmp/logs/<time>. */
  logDir?: string;
  readyTimeoutMs?: number;
  /**
   * Restart a service that dies on its own (exponential backoff; gives up after repeated fast
   * crashes). `surfinger up` turns it on; tests that kill processes on purpose leave it off.
   */
  supervise?: boolean | Partial<RestartPolicy>;
  /** Told about every restart and give-up (`surfinger up` prints them). */
  onSupervision?: (event: SupervisionEvent) => void;
}

export interface RestartPolicy {
  /** Delay before the first restart; doubles with each consecutive fast crash. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A run shorter than this counts as a fast crash. */
  fastCrashMs: number;
  /** Consecutive fast crashes after which the process is left down. */
  maxFastCrashes: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { initialDelayMs: 500, maxDelayMs: 30_000, fastCrashMs: 10_000, maxFastCrashes: 5 };

export type SupervisionEvent =
  | { kind: 'restarting'; id: string; code: number | null; signal: string | null; delayMs: number; fastCrashes: number; logFile: string }
  | { kind: 'restarted'; id: string; pid: number }
  | { kind: 'gave-up'; id: string; fastCrashes: number; logFile: string; message: string };

/**
 * What to do after a crash (pure, so it is tested without processes): `fastCrashes` counts the
 * crashes in a row that each came within `fastCrashMs` of a start, this one included.
 */
export function restartDecision(fastCrashes: number, policy: RestartPolicy): { giveUp: true } | { giveUp: false; delayMs: number } {
  if (fastCrashes >= policy.maxFastCrashes) return { giveUp: true };
  return { giveUp: false, delayMs: Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** fastCrashes) };
}

/** Keys whose values never reach a log file (the sandbox's start line carries every team's secrets). */
const SECRET_KEY = /token|secret|password|pass$/i;

/** A copy of `value` with every secret-named field replaced, at any depth. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) && typeof v === 'string' ? '[redacted]' : redactSecrets(v)]));
}

export interface ProcessHandle {
  readonly name: string;
  /** e.g. `actor-host-2`. */
  readonly id: string;
  readonly pid: number;
  /** Fields of the process's `ready` log line (URLs, ids). */
  readonly ready: Record<string, unknown>;
  readonly logFile: string;
  readonly alive: boolean;
  /** SIGKILL: the process gets no chance to clean up (chaos tests). */
  kill(): void;
  /** SIGTERM and wait for the exit (graceful handoff). Resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** Starts the same process again with the same environment; waits for `ready`. */
  restart(): Promise<void>;
  /** Resolves with the exit code once the process has exited. */
  exited(): Promise<number | null>;
}

export interface Cluster {
  delivery: Delivery;
  sandbox: SandboxInfo;
  sandboxUrl: string;
  ingressUrl: string;
  natsUrl: string;
  natsMonitorUrl: string;
  /** With the operator's credentials (`redis://admin:…@127.0.0.1:port`). */
  redisUrl: string;
  prefix: string;
  /** The only nats-server, or the cluster's first node. */
  nats: NatsServer;
  natsCluster: NatsCluster | null;
  /** The single redis-server (null with `redisHa`). */
  redis: RedisServer | null;
  redisHa: RedisHa | null;
  /** The sandbox first, then services in start order. */
  processes: ProcessHandle[];
  /**
   * The environment every service got, with the cluster's operator credentials (NATS user
   * `admin`, Redis user `admin`); each service gets its own users on top (`serviceEnv`).
   */
  env: Record<string, string>;
  /** Operator NATS credentials of this run (`connect({ servers: natsUrl, ...natsAuth })`). */
  natsAuth: { user: string; pass: string };
  logDir: string;
  service(id: string): ProcessHandle;
  /** Starts one more service process (e.g. a 4th actor host). */
  addService(kind: ServiceKind, env?: Record<string, string>): Promise<ProcessHandle>;
  stop(): Promise<void>;
}

const TSX = ['--import', 'tsx'];

function spawnNode(entry: string, args: string[], env: Record<string, string>, log: WriteStream): ChildProcess {
  const child = spawn(process.execPath, [...TSX, entry, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.pipe(log, { end: false });
  return child;
}

/** Creates `path` (if absent) as the owner's alone: logs name teams, users and URLs even with secrets redacted. */
function privateFile(path: string): string {
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
  return path;
}

/** Starts a process and resolves with the first stdout JSON line that `isReady` accepts. */
function launch(opts: {
  name: string;
  id: string;
  entry: string;
  args?: string[];
  env: Record<string, string>;
  logDir: string;
  readyTimeoutMs: number;
  isReady: (line: Record<string, unknown>) => boolean;
  children: Set<ChildProcess>;
  supervise: RestartPolicy | null;
  onSupervision: ((event: SupervisionEvent) => void) | undefined;
}): Promise<ProcessHandle> {
  const logFile = privateFile(join(opts.logDir, `${opts.id}.log`));
  const log = createWriteStream(logFile, { flags: 'a' });
  let child!: ChildProcess;
  let ready: Record<string, unknown> = {};
  let exitPromise!: Promise<number | null>;
  // Exits we asked for (stop, restart) are not crashes.
  let intentional = false;
  let startedAt = 0;
  let fastCrashes = 0;
  let restartTimer: NodeJS.Timeout | undefined;

  const note = (event: SupervisionEvent) => {
    log.write(`${JSON.stringify({ time: new Date().toISOString(), svc: 'cluster', supervision: event.kind, ...event })}\n`);
    opts.onSupervision?.(event);
  };

  const crashed = (code: number | null, signal: string | null) => {
    if (intentional || !opts.supervise) return;
    const policy = opts.supervise;
    fastCrashes = Date.now() - startedAt < policy.fastCrashMs ? fastCrashes + 1 : 0;
    const decision = restartDecision(fastCrashes, policy);
    if (decision.giveUp) {
      note({ kind: 'gave-up', id: opts.id, fastCrashes, logFile, message: `${opts.id} crashed ${fastCrashes} times in a row within ${policy.fastCrashMs / 1000} s of starting; not restarting it again (see ${logFile})` });
      return;
    }
    note({ kind: 'restarting', id: opts.id, code, signal, delayMs: decision.delayMs, fastCrashes, logFile });
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (intentional) return;
      boot().then(
        () => note({ kind: 'restarted', id: opts.id, pid: child.pid ?? -1 }),
        // Failing to come up is one more fast crash.
        () => crashed(child.exitCode, child.signalCode),
      );
    }, decision.delayMs);
  };

  const boot = () =>
    new Promise<void>((resolveReady, reject) => {
      child = spawnNode(opts.entry, opts.args ?? [], opts.env, log);
      startedAt = Date.now();
      opts.children.add(child);
      let settled = false;
      let isUp = false;
      const me = child;
      exitPromise = new Promise((r) =>
        me.once('exit', (code, signal) => {
          opts.children.delete(me);
          r(code);
          if (isUp) crashed(code, signal);
        }),
      );
      const timer = setTimeout(() => {
        me.kill('SIGKILL');
        reject(new SurfingerError(LocalErrorCodes.CLUSTER_START, `${opts.id} was not ready within ${opts.readyTimeoutMs} ms (log: ${logFile})`));
      }, opts.readyTimeoutMs);
      const lines = createInterface({ input: me.stdout! });
      lines.on('line', (line) => {
        if (settled) {
          log.write(`${line}\n`);
          return;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          log.write(`${line}\n`);
          return;
        }
        const fields = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : null;
        if (fields && opts.isReady(fields)) {
          // The ready line is kept in memory whole (tests need the sandbox's tokens) and logged
          // without its secrets.
          log.write(`${JSON.stringify(redactSecrets(fields))}\n`);
          settled = true;
          isUp = true;
          clearTimeout(timer);
          ready = fields;
          resolveReady();
          return;
        }
        log.write(`${line}\n`);
      });
      void exitPromise.then((code) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new SurfingerError(LocalErrorCodes.CLUSTER_START, `${opts.id} exited with code ${code} before it was ready (log: ${logFile})`));
      });
    });

  const down = () => child.exitCode !== null || child.signalCode !== null;
  const stopChild = async (timeoutMs: number): Promise<number | null> => {
    if (down()) return child.exitCode;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.kill('SIGTERM');
    const code = await exitPromise;
    clearTimeout(timer);
    return code;
  };

  return boot().then(() => ({
    name: opts.name,
    id: opts.id,
    get pid() {
      return child.pid ?? -1;
    },
    get ready() {
      return ready;
    },
    logFile,
    get alive() {
      return !down();
    },
    kill() {
      child.kill('SIGKILL');
    },
    async stop(timeoutMs = 30_000) {
      intentional = true;
      clearTimeout(restartTimer);
      return stopChild(timeoutMs);
    },
    async restart() {
      intentional = true;
      clearTimeout(restartTimer);
      await stopChild(30_000);
      intentional = false;
      fastCrashes = 0;
      await boot();
    },
    exited: () => exitPromise,
  }));
}

/**
 * A fresh random password. nats-server reads a `$VAR` value as a config token, so a value like
 * `12345…` or `-ab…` is a number or a parse error; a letter first and hex after is always a string.
 */
export function localPassword(): string {
  return `sf${randomBytes(18).toString('hex')}`;
}

/**
 * Per-run credentials for the local cluster: the production NATS users (deploy/nats) and Redis
 * ACL users (deploy/redis) with fresh random passwords, so a local process that is not one of
 * the services cannot talk to NATS or Redis. Passwords only travel by environment: nats-server
 * resolves `$SF_NATS_PASS_*` from its own env, the Redis ACL file holds SHA-256 hashes.
 */
function localCredentials(prefix: string) {
  const nats = natsUsers(createSubjects(prefix));
  const redis = redisUsers(prefix);
  const secrets = new Map<string, string>();
  const password = (system: 'nats' | 'redis', user: string): string => {
    const key = `${system}:${user}`;
    if (!secrets.has(key)) secrets.set(key, localPassword());
    return secrets.get(key)!;
  };
  return {
    password,
    natsConfig: renderAuthConf(nats),
    natsServerEnv: Object.fromEntries(nats.map((u) => [u.passwordEnv, password('nats', u.user)])),
    redisAcl: renderAcl(redis, (user) => passwordHash(password('redis', user))),
    /** A service's own NATS user and, if it uses Redis, its own Redis user. */
    serviceEnv(kind: ServiceKind, redisServerUrl: string): Record<string, string> {
      const env: Record<string, string> = { SF_NATS_USER: kind, SF_NATS_PASS: password('nats', kind) };
      // A service with no Redis user (actor-host) gets a URL that cannot authenticate at all.
      env.SF_REDIS_URL = redis.some((u) => u.user === kind) ? redisUrlFor(redisServerUrl, kind, password('redis', kind)) : redisServerUrl;
      return env;
    },
  };
}

function teamSecrets(sandbox: SandboxInfo): string {
  return [...new Set(sandbox.teams.map((t) => t.signingSecret))].join(',');
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const prefix = options.prefix ?? 'sf';
  const logDir = options.logDir ?? join(REPO_ROOT, '.tmp', 'logs', new Date().toISOString().replace(/[:.]/g, '-') + '-' + randomBytes(2).toString('hex'));
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const supervise = options.supervise ? { ...DEFAULT_RESTART_POLICY, ...(options.supervise === true ? {} : options.supervise) } : null;
  const supervision = { supervise, onSupervision: options.onSupervision };
  const auth = localCredentials(prefix);
  const children = new Set<ChildProcess>();
  const killAll = () => {
    for (const c of children) c.kill('SIGKILL');
  };
  process.once('exit', killAll);

  const [natsCluster, redisHa] = await Promise.all([
    options.natsCluster ? startNatsCluster({ size: options.natsCluster, extraConfig: auth.natsConfig, env: auth.natsServerEnv }) : null,
    options.redisHa ? startRedisHa({ acl: auth.redisAcl, admin: { user: 'admin', pass: auth.password('redis', 'admin') } }) : null,
  ]);
  const [nats, redis] = await Promise.all([
    // nats-server's own log (refused logins, permission violations) sits beside the services' logs.
    natsCluster?.nodes[0] ?? startNatsServer({ port: options.natsPort, extraConfig: `${auth.natsConfig}\nlog_file: "${privateFile(join(logDir, 'nats-server.log'))}"`, env: auth.natsServerEnv }),
    redisHa ? null : startRedisServer({ port: options.redisPort, acl: auth.redisAcl }),
  ]);
  const natsUrl = natsCluster?.url ?? nats.url;
  const redisServerUrl = redisHa?.url ?? redis!.url;
  const redisUrl = redisUrlFor(redisServerUrl, 'admin', auth.password('redis', 'admin'));
  const processes: ProcessHandle[] = [];
  const stopAll = async () => {
    // Reverse start order: ingress stops taking traffic first, infrastructure goes last.
    for (const p of [...processes].reverse()) await p.stop(15_000).catch(() => undefined);
    await Promise.allSettled([natsCluster ? natsCluster.stop() : nats.stop(), redisHa ? redisHa.stop() : redis?.stop()]);
    process.removeListener('exit', killAll);
  };

  try {
    const ingressPort = options.ingressPort ?? (await freePort());
    const ingressUrl = `http://127.0.0.1:${ingressPort}`;
    const delivery = options.delivery ?? 'http';
    // Socket Mode apps get nothing over HTTP, so only the http sandbox knows the app's URL.
    const sandboxArgs = ['--port', String(options.sandbox?.port ?? 0), '--delivery', delivery, ...(delivery === 'http' ? ['--app-url', ingressUrl] : [])];
    if (options.sandbox?.teams) sandboxArgs.push('--teams', String(options.sandbox.teams));
    if (options.sandbox?.channels) sandboxArgs.push('--channels', String(options.sandbox.channels));
    if (options.sandbox?.users) sandboxArgs.push('--users', String(options.sandbox.users));
    if (options.sandbox?.tokenRotation) sandboxArgs.push('--token-rotation');
    if (options.sandbox?.tokenLifetimeSeconds) sandboxArgs.push('--token-lifetime', String(options.sandbox.tokenLifetimeSeconds));
    const sandboxProc = await launch({
      name: 'sandbox',
      id: 'sandbox',
      // The sandbox is a tool, not a service: it runs through its CLI command.
      entry: 'cli/main.ts',
      args: ['sandbox', ...sandboxArgs],
      env: { SF_LOG_LEVEL: options.logLevel ?? 'info' },
      logDir,
      readyTimeoutMs,
      isReady: (line) => typeof line.apiUrl === 'string' && Array.isArray(line.teams),
      children,
      // The sandbox is Slack: it is not restarted (its teams would be new ones).
      supervise: null,
      onSupervision: undefined,
    });
    processes.push(sandboxProc);
    const sandbox = sandboxProc.ready as unknown as SandboxInfo;
    const sandboxUrl = new URL(sandbox.apiUrl).origin;

    const base: Record<string, string> = {
      SF_NATS_URL: natsUrl,
      SF_NATS_USER: 'admin',
      SF_NATS_PASS: auth.password('nats', 'admin'),
      SF_REDIS_URL: redisUrl,
      ...(natsCluster ? { SF_JS_REPLICAS: String(Math.min(3, natsCluster.nodes.length)) } : {}),
      SF_PREFIX: prefix,
      SF_LOG_LEVEL: options.logLevel ?? 'info',
      SF_METRICS_PORT: '0',
      SF_SLACK_API_URL: sandbox.apiUrl,
      SF_NATS_MONITOR_URL: nats.monitorUrl,
      SF_SLACK_OAUTH_URL: sandboxUrl,
      SF_SLACK_SIGNING_SECRET: teamSecrets(sandbox),
      SF_PUBLIC_URL: ingressUrl,
      SF_INGRESS_PORT: String(ingressPort),
      // A fresh key per local cluster: tokens at rest are encrypted even in development.
      SF_TOKEN_KEYS: `local:${randomBytes(32).toString('base64')}`,
      SF_ADMIN_USER: 'admin',
      SF_ADMIN_PASSWORD: randomBytes(9).toString('base64url'),
      SF_SLACK_CLIENT_ID: sandbox.app.clientId,
      SF_SLACK_CLIENT_SECRET: sandbox.app.clientSecret,
      SF_SLACK_DELIVERY: delivery,
      // One app for every workspace: the deployment's single app-level token.
      ...(delivery === 'socket' ? { SF_SLACK_APP_TOKEN: sandbox.app.appToken } : {}),
    };
    const env: Record<string, string> = { ...base, ...options.env };

    await seedSandboxTeams(env, sandbox);

    const counters = new Map<ServiceKind, number>();
    const addService = async (kind: ServiceKind, extra: Record<string, string> = {}): Promise<ProcessHandle> => {
      const n = (counters.get(kind) ?? 0) + 1;
      counters.set(kind, n);
      const id = `${kind}-${n}`;
      const handle = await launch({
        name: kind,
        id,
        entry: `services/${kind}/main.ts`,
        env: {
          ...base,
          ...auth.serviceEnv(kind, redisServerUrl),
          ...options.env,
          ...(kind === 'actor-host' ? { SF_HOST_ID: id } : {}),
          ...(kind === 'connection-supervisor' ? { SF_SUPERVISOR_ID: id } : {}),
          ...options.serviceEnv?.[kind],
          ...extra,
        },
        logDir,
        readyTimeoutMs,
        isReady: (line) => line.msg === 'ready',
        children,
        ...supervision,
      });
      processes.push(handle);
      return handle;
    };

    const wanted = options.services ?? SERVICE_NAMES.filter((kind) => delivery !== 'http' || kind !== 'connection-supervisor');
    for (const kind of SERVICE_NAMES) {
      if (!wanted.includes(kind)) continue;
      const count = kind === 'actor-host' ? (options.hosts ?? 1) : kind === 'connection-supervisor' ? (options.supervisors ?? 1) : 1;
      // Replicas of one kind start together; kinds start in dependency order.
      await Promise.all(Array.from({ length: count }, () => addService(kind)));
    }

    return {
      delivery,
      sandbox,
      sandboxUrl,
      ingressUrl,
      natsUrl,
      natsMonitorUrl: nats.monitorUrl,
      natsAuth: { user: 'admin', pass: auth.password('nats', 'admin') },
      redisUrl,
      prefix,
      nats,
      natsCluster,
      redis,
      redisHa,
      processes,
      env,
      logDir,
      service(id) {
        const found = processes.find((p) => p.id === id);
        if (!found) throw new SurfingerError(LocalErrorCodes.CLUSTER_UNKNOWN_PROCESS, `no process ${id}; have ${processes.map((p) => p.id).join(', ')}`);
        return found;
      },
      addService,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

