import { LocalErrorCodes } from './errors.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SurfingerError } from '../../protocol/errors.ts';

/**
 * Starts the real infrastructure programs (nats-server with JetStream, redis-server) as child
 * processes in temp dirs on loopback. Used by `surfinger up`, the test harness and benchmarks, so
 * every one of them runs against the same real servers production uses.
 */

export interface RunningProcess {
  readonly pid: number;
  /** Stops the process (SIGTERM, then SIGKILL after `graceMs`) and removes its temp dir. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL, for chaos tests; the temp dir stays so a restart can reuse it. */
  kill(): void;
}

export interface NatsServer extends RunningProcess {
  url: string;
  port: number;
  monitorUrl: string;
  storeDir: string;
  /** Starts a fresh process on the same ports and store (after `kill()` or `stop({keepStore})`). */
  restart(): Promise<void>;
}

export interface RedisServer extends RunningProcess {
  url: string;
  port: number;
  restart(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, child: ChildProcess, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const tail = String((child as ChildProcess & { stderrTail?: string }).stderrTail ?? '').trim().split('\n').slice(-3).join(' | ');
      throw new SurfingerError(LocalErrorCodes.INFRA_START, `${what} exited with code ${child.exitCode} before listening on ${port}${tail ? `: ${tail}` : ''}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new SurfingerError(LocalErrorCodes.INFRA_START, `${what} did not listen on port ${port} within ${timeoutMs} ms`);
}

export async function waitForHttpOk(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new SurfingerError(LocalErrorCodes.INFRA_START, `${url} did not answer OK within ${timeoutMs} ms`);
}

// Children die with us: a test runner or `surfinger up` that crashes must not leave servers behind.
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}

export function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export function launch(bin: string, args: string[], label: string, env?: Record<string, string>): ChildProcess {
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], ...(env ? { env: { ...process.env, ...env } } : {}) });
  // Keep the last lines of stderr for error messages; never let a full pipe block the server.
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4_000);
  });
  child.once('error', (err) => {
    tail += `\n${label}: ${err.message}`;
  });
  Object.defineProperty(child, 'stderrTail', { get: () => tail });
  track(child);
  return child;
}

/**
 * The handle both servers share: `boot` (re)starts the process, the temp dir goes with `stop`.
 * `kill` leaves the dir so a `restart` finds the same data (chaos tests).
 */
export function handle(dir: string, current: () => ChildProcess, boot: () => Promise<void>): RunningProcess & { restart(): Promise<void> } {
  return {
    get pid() {
      return current().pid ?? -1;
    },
    async stop(graceMs = 5_000) {
      await stopChild(current(), graceMs);
      await rm(dir, { recursive: true, force: true });
    },
    kill() {
      current().kill('SIGKILL');
    },
    async restart() {
      await stopChild(current(), 5_000);
      await boot();
    },
  };
}

export interface NatsOptions {
  port?: number;
  monitorPort?: number;
  /** Extra server config (e.g. accounts/authorization for permission tests). */
  extraConfig?: string;
  /**
   * Environment for nats-server only: `authorization` blocks name passwords as `$VAR`, which the
   * server resolves from its environment, so no password is written to the config file.
   */
  env?: Record<string, string>;
}

export async function startNatsServer(options: NatsOptions = {}): Promise<NatsServer> {
  const dir = await mkdtemp(join(tmpdir(), 'sf-nats-'));
  const port = options.port ?? (await freePort());
  const monitorPort = options.monitorPort ?? (await freePort());
  const storeDir = join(dir, 'jetstream');
  const configFile = join(dir, 'nats.conf');
  await writeFile(
    configFile,
    [
      `listen: 127.0.0.1:${port}`,
      `http: 127.0.0.1:${monitorPort}`,
      `server_name: sf_${port}`,
      `jetstream { store_dir: "${storeDir}", max_memory_store: 256MB, max_file_store: 2GB }`,
      `max_payload: 1MB`,
      options.extraConfig ?? '',
    ].join('\n'),
  );
  let child!: ChildProcess;
  const boot = async () => {
    child = launch('nats-server', ['-c', configFile], 'nats-server', options.env);
    await waitForPort(port, child, 'nats-server');
    // /healthz turns OK only once JetStream is ready, which a bare TCP accept does not promise.
    await waitForHttpOk(`http://127.0.0.1:${monitorPort}/healthz?js-enabled-only=true`);
  };
  await boot();
  return Object.assign(handle(dir, () => child, boot), {
    url: `nats://127.0.0.1:${port}`,
    port,
    monitorUrl: `http://127.0.0.1:${monitorPort}`,
    storeDir,
  });
}

export interface RedisOptions {
  port?: number;
  /** Redis ACL rules (`user … on #<sha256> …` lines); without them the server takes anonymous clients. */
  acl?: string;
}

export async function startRedisServer(options: RedisOptions = {}): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'sf-redis-'));
  const port = options.port ?? (await freePort());
  const aclArgs: string[] = [];
  if (options.acl !== undefined) {
    // Hashes only (`#<sha256>`), and the file is the owner's alone all the same.
    const aclFile = join(dir, 'users.acl');
    await writeFile(aclFile, options.acl, { mode: 0o600 });
    aclArgs.push('--aclfile', aclFile);
  }
  let child!: ChildProcess;
  const boot = async () => {
    // appendonly so a restarted redis (chaos tests) keeps what it had acknowledged.
    child = launch(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--protected-mode', 'no', ...aclArgs],
      'redis-server',
    );
    await waitForPort(port, child, 'redis-server');
  };
  await boot();
  return Object.assign(handle(dir, () => child, boot), { url: `redis://127.0.0.1:${port}`, port });
}
