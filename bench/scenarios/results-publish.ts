import { randomBytes } from 'node:crypto';
import { codecs, createSubjects, pack } from '../../protocol/index.ts';
import { ensureStreams } from '../../services/common/jetstream.ts';
import { startNatsServer } from '../../services/local/local-infra.ts';
import { connectNats } from '../../services/common/nats.ts';
import { sampleRoundResult } from '../fixtures.ts';
import { alternatingLoops, round } from '../measure.ts';
import type { Measured, Scenario, ScenarioContext } from '../types.ts';

const IN_FLIGHT = 128;

async function run(ctx: ScenarioContext): Promise<Measured> {
  const nats = await startNatsServer();
  const nc = await connectNats(nats.url, 'bench-results');
  try {
    const subjects = createSubjects('bench');
    await ensureStreams(nc, subjects);
    const js = nc.jetstream();
    const runId = randomBytes(4).toString('hex');
    const durationMs = ctx.quick ? 1_000 : 6_000;
    ctx.log(`${IN_FLIGHT} publishes in flight, ${durationMs} ms per variant in alternating slices`);
    const [dedup, bare] = await alternatingLoops(
      [
        // As a game actor does it: validate through the protocol codec, Nats-Msg-Id = resultId so a
        // retried publish after failover is dropped by the stream's duplicate window.
        async (i) => {
          const result = sampleRoundResult(i, `${runId}d`);
          await js.publish(subjects.results(result.team, result.channel), codecs.result.encode(result), { msgID: result.resultId });
        },
        async (i) => {
          const result = sampleRoundResult(i, `${runId}b`);
          await js.publish(subjects.results(result.team, result.channel), pack(result));
        },
      ],
      { inFlight: IN_FLIGHT, durationMs },
    );
    const measured = { label: 'dedup publish', value: round(dedup!.perSecond), unit: 'results/s' };
    const baseline = { label: 'bare js.publish', value: round(bare!.perSecond), unit: 'results/s' };
    const ratio = dedup!.perSecond / bare!.perSecond;
    return {
      measured,
      baseline,
      ratio,
      figures: [
        measured,
        baseline,
        { label: 'dedup publish ack p99', value: round(dedup!.latencyMs.p99, 2), unit: 'ms' },
        { label: 'bare publish ack p99', value: round(bare!.latencyMs.p99, 2), unit: 'ms' },
      ],
      goal: { text: '≥ 70% of bare publish', pass: ratio >= 0.7 },
      notes: ['file-backed stream with the 15-minute duplicate window from services/common/jetstream.ts; every dedup id unique'],
    };
  } finally {
    await nc.close();
    await nats.stop();
  }
}

export const resultsPublish: Scenario = {
  name: 'results-publish',
  description: 'round results published with dedup ids (Nats-Msg-Id) vs bare JetStream publish',
  cheap: true,
  run,
};
