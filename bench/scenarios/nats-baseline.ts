import { performance } from 'node:perf_hooks';
import { createSubjects, pack, unpack } from '../../protocol/index.ts';
import { connectNats } from '../../services/common/nats.ts';
import { startNatsServer } from '../../services/local/local-infra.ts';
import { sampleAnswer } from '../fixtures.ts';
import { closedLoop, round } from '../measure.ts';
import type { Measured, Scenario } from '../types.ts';

export const IN_FLIGHT = 256;

/**
 * Raw request/reply with msgpack in and out and nothing else: the ceiling every actor-path figure is
 * a fraction of. Exported so actor-throughput measures its own baseline in the same run.
 */
export async function requestReplyOp(url: string): Promise<{ op(i: number): Promise<void>; close(): Promise<void> }> {
  const server = await connectNats(url, 'bench-responder');
  const client = await connectNats(url, 'bench-requester');
  const subject = createSubjects('benchraw').game('T0BENCH', 'C0');
  const reply = pack({ type: 'surfinger.reply.v1', ok: true, responseType: 'none' });
  server.subscribe(subject, {
    callback: (_err, msg) => {
      unpack(msg.data);
      msg.respond(reply);
    },
  });
  await server.flush();
  return {
    async op(i) {
      const msg = await client.request(subject, pack(sampleAnswer(i)), { timeout: 5_000 });
      unpack(msg.data);
    },
    async close() {
      await Promise.all([server.close(), client.close()]);
    },
  };
}

/** One-way fan-in: a publisher kept at most `window` messages ahead of one subscriber. */
async function measurePubSub(url: string, durationMs: number): Promise<number> {
  const pub = await connectNats(url, 'bench-pub');
  const sub = await connectNats(url, 'bench-sub');
  const subject = createSubjects('benchraw').teamActive('T0BENCH');
  let received = 0;
  let lastAt = 0;
  try {
    sub.subscribe(subject, {
      callback: (_err, msg) => {
        unpack(msg.data);
        received++;
        lastAt = performance.now();
      },
    });
    await sub.flush();
    const payload = pack(sampleAnswer(0));
    const window = 20_000;
    let published = 0;
    const start = performance.now();
    while (performance.now() - start < durationMs) {
      for (let i = 0; i < 500; i++) pub.publish(subject, payload);
      published += 500;
      await pub.flush();
      // Stay inside nats-server's slow-consumer limits: measure throughput, not buffering.
      while (published - received > window) await new Promise((r) => setImmediate(r));
    }
    const drainBy = performance.now() + 10_000;
    while (received < published && performance.now() < drainBy) await new Promise((r) => setTimeout(r, 5));
    return (received * 1000) / (lastAt - start);
  } finally {
    await Promise.all([pub.close(), sub.close()]);
  }
}

async function run(ctx: { quick: boolean; log(line: string): void }): Promise<Measured> {
  const nats = await startNatsServer();
  const durationMs = ctx.quick ? 1_000 : 4_000;
  try {
    ctx.log(`request/reply, ${IN_FLIGHT} in flight, ${durationMs} ms`);
    const raw = await requestReplyOp(nats.url);
    const rr = await closedLoop(raw.op, { inFlight: IN_FLIGHT, durationMs, warmupMs: Math.min(1_000, durationMs / 2) }).finally(() => raw.close());
    ctx.log(`pub/sub, ${durationMs} ms`);
    const ps = await measurePubSub(nats.url, durationMs);
    const measured = { label: 'req/reply', value: round(rr.perSecond), unit: 'msg/s' };
    const baseline = { label: 'pub/sub', value: round(ps), unit: 'msg/s' };
    return {
      measured,
      baseline,
      ratio: rr.perSecond / ps,
      figures: [
        measured,
        baseline,
        { label: 'req/reply p50', value: round(rr.latencyMs.p50, 3), unit: 'ms' },
        { label: 'req/reply p99', value: round(rr.latencyMs.p99, 3), unit: 'ms' },
      ],
      goal: { text: 'baseline for the others (reported)', pass: null },
      notes: ['request/reply: 256 in flight over two connections; both sides encode and decode msgpack'],
    };
  } finally {
    await nats.stop();
  }
}

export const natsBaseline: Scenario = {
  name: 'nats-baseline',
  description: 'raw NATS request/reply (256 in flight) and pub/sub msgs/s with msgpack payloads on loopback',
  cheap: true,
  run,
};
