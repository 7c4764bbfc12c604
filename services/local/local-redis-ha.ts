import { LocalErrorCodes } from './errors.ts';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { SurfingerError } from '../../protocol/errors.ts';
import { freePort, launch, stopChild, waitForPort } from './local-infra.ts';

/**
 * Redis that survives the loss of its primary, on loopback: a primary, one replica and three
 * Sentinels (quorum 2), the Debian `redis-server` / `redis-sentinel` binaries production images
 * carry. Clients reach it through the Sentinel URL (`redis-sentinel://h:p,h:p,h:p/<master>`,
 * redis.ts), so after a failover they follow the promoted replica by themselves.
 */

export const SENTINEL_MASTER = 'sfmaster';

/** Sentinel decides "down" after this; the chaos suite's failover is about this plus the election. */
const DOWN_AFTER_MS = 1_000;

export interface RedisNode {
  readonly port: number;
  readonly pid: number;
  readonly alive: boolean;
  kill(): void;
  /** Starts the process again with its data dir (Sentinel turns an old primary into a replica). */
  restart(): Promise<void>;
}

export interface RedisHa {
  /** The Sentinel URL (what SF_REDIS_URL takes). */
  url: string;
  /** Data nodes: the first started as primary, the second as its replica. */
  nodes: RedisNode[];
  sentinels: RedisNode[];
  /** The node Sentinel currently names primary. */
  primary(): Promise<RedisNode>;
  /** Resolves once Sentinel names a primary other than `old` (after killing it). */
  waitForFailover(old: RedisNode, timeoutMs?: number): Promise<RedisNode>;
  stop(): Promise<void>;
}

function node(port: number, start: () => ChildProcess, ready: (child: ChildProcess) => Promise<void>): RedisNode & { boot(): Promise<void>; stop(): Promise<void> } {
  let child!: ChildProcess;
  return {
    port,
    get pid() {
      return child.pid ?? -1;
    },
    get alive() {
      return child.exitCode === null && child.signalCode === null;
    },
    kill() {
      child.kill('SIGKILL');
    },
    async boot() {
      child = start();
      await ready(child);
    },
    async restart() {
      await stopChild(child, 5_000);
      await this.boot();
    },
    stop: () => stopChild(child, 5_000),
  };
}

export interface RedisHaOptions {
  /**
   * Redis ACL rules for the data nodes (as startRedisServer's `acl`). With them, `admin` names the
   * user the replica replicates as and Sentinel monitors as (both need more than a service user).
   */
  acl?: string;
  admin?: { user: string; pass: string };
}

export async function startRedisHa(options: RedisHaOptions = {}): Promise<RedisHa> {
  const dir = await mkdtemp(join(tmpdir(), 'sf-redis-ha-'));
  const aclArgs: string[] = [];
  if (options.acl !== undefined) {
    const aclFile = join(dir, 'users.acl');
    await writeFile(aclFile, options.acl, { mode: 0o600 });
    aclArgs.push('--aclfile', aclFile);
    // A promoted replica's own replica authenticates the same way, so every data node gets it.
    if (options.admin) aclArgs.push('--masteruser', options.admin.user, '--masterauth', options.admin.pass);
  }
  const [primaryPort, replicaPort, ...sentinelPorts] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const dataNode = (port: number, replicaOf: number | null) =>
    node(
      port,
      () =>
        launch(
          'redis-server',
          [
            '--port', String(port), '--bind', '127.0.0.1', '--dir', join(dir, String(port)),
            '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--protected-mode', 'no',
            ...aclArgs,
            ...(replicaOf === null ? [] : ['--replicaof', '127.0.0.1', String(replicaOf)]),
          ],
          `redis-server ${port}`,
        ),
      (child) => waitForPort(port, child, `redis-server ${port}`),
    );
  await Promise.all([primaryPort, replicaPort].map((p) => mkdir(join(dir, String(p)))));
  const primary = dataNode(primaryPort!, null);
  const replica = dataNode(replicaPort!, primaryPort!);
  await primary.boot();
  await replica.boot();

  const sentinels = await Promise.all(
    sentinelPorts.map(async (port) => {
      const conf = join(dir, `sentinel-${port}.conf`);
      // Sentinel rewrites its own config file (it records the current primary and its peers there).
      await writeFile(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${primaryPort} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_MASTER} ${DOWN_AFTER_MS}`,
          `sentinel failover-timeout ${SENTINEL_MASTER} 10000`,
          `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
          ...(options.admin && options.acl !== undefined ? [`sentinel auth-user ${SENTINEL_MASTER} ${options.admin.user}`, `sentinel auth-pass ${SENTINEL_MASTER} ${options.admin.pass}`] : []),
          '',
        ].join('\n'),
      );
      const s = node(port, () => launch('redis-sentinel', [conf], `redis-sentinel ${port}`), (child) => waitForPort(port, child, `redis-sentinel ${port}`));
      await s.boot();
      return s;
    }),
  );
  const data = [primary, replica];
  const askSentinel = async (): Promise<number | null> => {
    for (const s of sentinels) {
      if (!s.alive) continue;
      const c = new Redis(s.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 500 });
      c.on('error', () => undefined);
      try {
        const addr = (await c.call('SENTINEL', 'get-master-addr-by-name', SENTINEL_MASTER)) as [string, string] | null;
        if (addr) return Number(addr[1]);
      } catch {
        // try the next sentinel
      } finally {
        c.disconnect();
      }
    }
    return null;
  };
  const ha: RedisHa = {
    url: `redis-sentinel://${sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',')}/${SENTINEL_MASTER}`,
    nodes: data,
    sentinels,
    async primary() {
      const port = await askSentinel();
      const found = data.find((n) => n.port === port);
      if (!found) throw new SurfingerError(LocalErrorCodes.INFRA_START, `sentinel names no known primary (${port})`);
      return found;
    },
    async waitForFailover(old, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const port = await askSentinel();
        const found = data.find((n) => n.port === port);
        if (found && found !== old) return found;
        if (Date.now() > deadline) throw new SurfingerError(LocalErrorCodes.INFRA_START, `sentinel did not promote a replica within ${timeoutMs} ms`);
        await sleep(200);
      }
    },
    async stop() {
      await Promise.allSettled([...sentinels, ...data].map((n) => n.stop()));
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    // Sentinels must have found the replica and each other before a failover can be agreed.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const c = new Redis(sentinels[0]!.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
      c.on('error', () => undefined);
      const [replicas, peers] = await Promise.all([c.call('SENTINEL', 'replicas', SENTINEL_MASTER), c.call('SENTINEL', 'sentinels', SENTINEL_MASTER)]).finally(() => c.disconnect());
      if ((replicas as unknown[]).length >= 1 && (peers as unknown[]).length >= sentinels.length - 1) break;
      if (Date.now() > deadline) throw new SurfingerError(LocalErrorCodes.INFRA_START, 'sentinels did not discover the replica and each other in time');
      await sleep(200);
    }
    return ha;
  } catch (err) {
    await ha.stop();
    throw err;
  }
}
