import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { NatsConnection } from 'nats';
import { codecs, createSubjects } from '../../protocol/index.ts';
import { ensureStreams, openBucket } from '../../services/common/jetstream.ts';
import { startNatsServer } from '../../services/local/local-infra.ts';
import { natsServerVersion, startNatsCluster, supportsSyncAlways, type NatsCluster } from '../../services/local/local-nats-cluster.ts';
import { connectNats } from '../../services/common/nats.ts';
import { sampleRoundResult } from '../fixtures.ts';
import { alternatingLoops, round } from '../measure.ts';
import { percentiles } from '../../services/common/percentiles.ts';
import type { Figure, Measured, Scenario, ScenarioContext } from '../types.ts';

/**
 * What durability costs on the answer path (docs/runtime.md, "JetStream durability"). Every answer
 * waits for one snapshot write (a KV put, group-committed) and every round for a results publish,
 * so this times those two writes, in the same run and alternating slices:
 * 1. R1 on one nats-server (what tests and `npm start` ran before issue 17);
 * 2. R3 on a 3-server cluster (what deploy/ runs): the ack waits for a quorum of 2;
 * 3. R3 with `sync_interval: always` (deploy/'s setting) when the installed nats-server has it
 *    (2.10+); on 2.9 the figure is this disk's fsync time, the floor it would add per write.
 */
const IN_FLIGHT = 16;
/** About an actor snapshot's size with a running game. */
const SNAPSHOT_BYTES = 2_048;
const KEYS = 64;

interface Variant {
  name: string;
  nc: NatsConnection;
  stop(): Promise<void>;
}

async function variant(name: string, url: string, replicas: number, stop: () => Promise<void>): Promise<Variant> {
  const nc = await connectNats(url, `bench-durability-${name}`, {}, { jsReplicas: replicas });
  return {
    name,
    nc,
    async stop() {
      await nc.close();
      await stop();
    },
  };
}

/** Write + fsync of a snapshot-sized block: what `sync_interval: always` adds to a write at least. */
function fsyncMs(samples: number): number[] {
  const dir = mkdtempSync(join(tmpdir(), 'sf-fsync-'));
  const fd = openSync(join(dir, 'probe'), 'w');
  const block = randomBytes(SNAPSHOT_BYTES);
  const times: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const t0 = process.hrtime.bigint();
      writeSync(fd, block);
      fsyncSync(fd);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  return times;
}

async function run(ctx: ScenarioContext): Promise<Measured> {
  const version = natsServerVersion();
  const syncAlways = supportsSyncAlways(version);
  const single = await startNatsServer();
  const clusters: NatsCluster[] = [];
  const variants: Variant[] = [];
  try {
    variants.push(await variant('R1', single.url, 1, () => single.stop()));
    const r3 = await startNatsCluster();
    clusters.push(r3);
    variants.push(await variant('R3', r3.url, 3, () => r3.stop()));
    if (syncAlways) {
      const synced = await startNatsCluster({ syncAlways: true });
      clusters.push(synced);
      variants.push(await variant('R3 sync always', synced.url, 3, () => synced.stop()));
    }
    const subjects = createSubjects('bench');
    const value = randomBytes(SNAPSHOT_BYTES);
    const runId = randomBytes(4).toString('hex');
    const ops = [];
    for (const v of variants) {
      await ensureStreams(v.nc, subjects);
      const kv = await openBucket(v.nc, subjects.buckets.snapshots);
      const js = v.nc.jetstream();
      ops.push(async (i: number) => {
        await kv.put(`T1.C${i % KEYS}`, value);
      });
      ops.push(async (i: number) => {
        const result = sampleRoundResult(i, `${runId}${v.name}`);
        await js.publish(subjects.results(result.team, result.channel), codecs.result.encode(result), { msgID: result.resultId });
      });
    }
    const durationMs = ctx.quick ? 1_000 : 8_000;
    ctx.log(`nats-server ${version.join('.')}; ${IN_FLIGHT} writes in flight, ${durationMs} ms per write kind and variant (${variants.map((v) => v.name).join(', ')}), alternating slices`);
    const loops = await alternatingLoops(ops, { inFlight: IN_FLIGHT, durationMs });
    const figures: Figure[] = [];
    for (const [k, v] of variants.entries()) {
      const [put, publish] = [loops[2 * k]!, loops[2 * k + 1]!];
      figures.push(
        { label: `${v.name} snapshot put`, value: round(put.perSecond), unit: 'writes/s' },
        { label: `${v.name} snapshot put p50`, value: round(put.latencyMs.p50, 2), unit: 'ms' },
        { label: `${v.name} snapshot put p99`, value: round(put.latencyMs.p99, 2), unit: 'ms' },
        { label: `${v.name} results publish`, value: round(publish.perSecond), unit: 'results/s' },
        { label: `${v.name} results publish p99`, value: round(publish.latencyMs.p99, 2), unit: 'ms' },
      );
    }
    const fsync = percentiles(fsyncMs(ctx.quick ? 50 : 300));
    figures.push({ label: `fsync of ${SNAPSHOT_BYTES} B on this disk p50`, value: round(fsync.p50, 2), unit: 'ms' }, { label: 'fsync p99', value: round(fsync.p99, 2), unit: 'ms' });
    const last = variants.length - 1;
    const measured = { label: `${variants[last]!.name} snapshot put`, value: round(loops[2 * last]!.perSecond), unit: 'writes/s' };
    const baseline = { label: 'R1 snapshot put', value: round(loops[0]!.perSecond), unit: 'writes/s' };
    return {
      measured,
      baseline,
      ratio: loops[2 * last]!.perSecond / loops[0]!.perSecond,
      figures,
      goal: { text: 'reported: the price of the durability deploy/ runs', pass: null },
      notes: [
        `file storage on every variant; the R3 servers share this machine's cores and disk with the bench`,
        syncAlways ? 'sync always measured on the installed nats-server' : `nats-server ${version.join('.')} has no sync_interval (2.10+): sync always not measured, the fsync figures are its floor per write`,
      ],
    };
  } finally {
    for (const v of variants) await v.stop().catch(() => undefined);
    await Promise.allSettled([single.stop(), ...clusters.map((c) => c.stop())]);
  }
}

export const jetstreamDurability: Scenario = {
  name: 'jetstream-durability',
  description: 'snapshot puts and results publishes on R1, R3 (and R3 with sync_interval: always where the server has it), same run',
  cheap: true,
  run,
};
