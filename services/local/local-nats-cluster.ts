import { LocalErrorCodes } from './errors.ts';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SurfingerError } from '../../protocol/errors.ts';
import { freePort, launch, stopChild, waitForHttpOk, waitForPort, type NatsOptions, type NatsServer } from './local-infra.ts';

/**
 * A NATS cluster on loopback: `size` nats-server processes joined by routes, JetStream on each,
 * so streams and buckets created with SF_JS_REPLICAS=3 are Raft groups across all of them, as in
 * production (deploy/nats/values.yaml). Used by the cluster chaos suite, the e2e slice's cluster
 * case and `surfinger up --nats-cluster 3`.
 *
 * Durability (docs/runtime.md, "JetStream durability"): deploy/ runs `sync_interval: always`
 * (fsync before every ack). nats-server 2.9 rejects the field (2.10 added it), so locally it is
 * set only with `syncAlways` (the durability bench, on a 2.10+ server); otherwise each server
 * flushes on its own 2-minute schedule and what makes an acknowledged write survive a server's
 * death is R3: the publish is acknowledged only once a quorum (2 of 3) holds it.
 */

export interface NatsClusterNode extends NatsServer {
  /** `server_name`, as JetStream reports stream and meta leaders. */
  readonly name: string;
  /** SIGSTOP: the process stays, silent (the pause nemesis). */
  pause(): void;
  /** SIGCONT after `pause`. */
  resume(): void;
  readonly alive: boolean;
}

export interface NatsCluster {
  /** Every node's client URL, comma-separated (what SF_NATS_URL takes). */
  url: string;
  /** The first node's monitoring endpoint. */
  monitorUrl: string;
  nodes: NatsClusterNode[];
  node(name: string): NatsClusterNode;
  /**
   * Waits until every live node reports itself healthy with JetStream current (`/healthz`):
   * after a restart, the next node of a rolling restart may go only then.
   */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const CLUSTER_NAME = 'sf_local';

/**
 * Healthy and JetStream-ready: `/healthz` alone turns OK on 2.9 before the meta group has elected
 * a leader, and until then every JetStream API call answers 503 (no responders).
 */
async function healthy(monitorUrl: string): Promise<boolean> {
  try {
    if (!(await fetch(`${monitorUrl}/healthz`, { signal: AbortSignal.timeout(1_000) })).ok) return false;
    const jsz = (await (await fetch(`${monitorUrl}/jsz`, { signal: AbortSignal.timeout(1_000) })).json()) as { meta_cluster?: { leader?: string } };
    return Boolean(jsz.meta_cluster?.leader);
  } catch {
    return false;
  }
}

/** The installed nats-server's version, e.g. [2, 9, 10]. */
export function natsServerVersion(): number[] {
  const out = spawnSync('nats-server', ['--version'], { encoding: 'utf8' }).stdout ?? '';
  return (/v(\d+)\.(\d+)\.(\d+)/.exec(out)?.slice(1) ?? ['0', '0', '0']).map(Number);
}

/** `sync_interval` (and so `syncAlways`) needs nats-server 2.10 or later. */
export function supportsSyncAlways(version = natsServerVersion()): boolean {
  const [major = 0, minor = 0] = version;
  return major > 2 || (major === 2 && minor >= 10);
}

export async function startNatsCluster(options: { size?: number; syncAlways?: boolean } & Pick<NatsOptions, 'extraConfig' | 'env'> = {}): Promise<NatsCluster> {
  const size = options.size ?? 3;
  const specs = await Promise.all(
    Array.from({ length: size }, async (_, i) => ({
      name: `n${i + 1}`,
      port: await freePort(),
      monitorPort: await freePort(),
      routePort: await freePort(),
      dir: await mkdtemp(join(tmpdir(), `sf-nats-n${i + 1}-`)),
    })),
  );
  const routes = specs.map((s) => `nats-route://127.0.0.1:${s.routePort}`).join(', ');
  const nodes = await Promise.all(
    specs.map(async (spec): Promise<NatsClusterNode> => {
      const storeDir = join(spec.dir, 'jetstream');
      const configFile = join(spec.dir, 'nats.conf');
      await writeFile(
        configFile,
        [
          `listen: 127.0.0.1:${spec.port}`,
          `http: 127.0.0.1:${spec.monitorPort}`,
          `server_name: ${spec.name}`,
          `jetstream { store_dir: "${storeDir}", max_memory_store: 256MB, max_file_store: 2GB${options.syncAlways ? ', sync_interval: always' : ''} }`,
          `max_payload: 1MB`,
          // Routes to every node, itself included (the server skips its own): the config is the same shape on each.
          `cluster { name: ${CLUSTER_NAME}, listen: 127.0.0.1:${spec.routePort}, routes: [${routes}] }`,
          // Accounts and users (local auth) are the same on every node.
          options.extraConfig ?? '',
        ].join('\n'),
      );
      let child!: ChildProcess;
      const monitorUrl = `http://127.0.0.1:${spec.monitorPort}`;
      const boot = async () => {
        child = launch('nats-server', ['-c', configFile], `nats-server ${spec.name}`, options.env);
        await waitForPort(spec.port, child, `nats-server ${spec.name}`);
        await waitForHttpOk(`${monitorUrl}/healthz?js-enabled-only=true`, 30_000);
      };
      await boot();
      return {
        name: spec.name,
        url: `nats://127.0.0.1:${spec.port}`,
        port: spec.port,
        monitorUrl,
        storeDir,
        get pid() {
          return child.pid ?? -1;
        },
        get alive() {
          return child.exitCode === null && child.signalCode === null;
        },
        async stop(graceMs = 5_000) {
          child.kill('SIGCONT');
          await stopChild(child, graceMs);
          await rm(spec.dir, { recursive: true, force: true });
        },
        kill() {
          child.kill('SIGKILL');
        },
        pause() {
          child.kill('SIGSTOP');
        },
        resume() {
          child.kill('SIGCONT');
        },
        async restart() {
          child.kill('SIGCONT');
          await stopChild(child, 5_000);
          await boot();
        },
      };
    }),
  );
  const cluster: NatsCluster = {
    url: nodes.map((n) => n.url).join(','),
    monitorUrl: nodes[0]!.monitorUrl,
    nodes,
    node(name) {
      const found = nodes.find((n) => n.name === name);
      if (!found) throw new SurfingerError(LocalErrorCodes.CLUSTER_UNKNOWN_PROCESS, `no NATS node ${name}`);
      return found;
    },
    async waitHealthy(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const live = nodes.filter((n) => n.alive);
        if ((await Promise.all(live.map((n) => healthy(n.monitorUrl)))).every(Boolean)) return;
        if (Date.now() > deadline) throw new SurfingerError(LocalErrorCodes.INFRA_START, `NATS cluster not healthy within ${timeoutMs} ms`);
        await sleep(200);
      }
    },
    async stop() {
      await Promise.allSettled(nodes.map((n) => n.stop()));
    },
  };
  try {
    // JetStream takes creates only once the meta group has a leader: wait for all to agree.
    await cluster.waitHealthy();
    return cluster;
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}
