import { alternatingLoops, round } from '../measure.ts';
import { channelOf, startActorBench } from '../actor-bench.ts';
import { IN_FLIGHT, requestReplyOp } from './nats-baseline.ts';
import type { Measured, Scenario, ScenarioContext } from '../types.ts';

const ACTORS = 256;

async function run(ctx: ScenarioContext): Promise<Measured> {
  const bench = await startActorBench();
  const raw = await requestReplyOp(bench.nats.url);
  try {
    ctx.log(`activating ${ACTORS} actors`);
    // The first message to each channel activates its actor (no responders → activate → retry).
    await Promise.all(Array.from({ length: ACTORS }, (_, i) => bench.say(channelOf(i).team, channelOf(i).channel, 'U1', 'hello', i)));
    const durationMs = ctx.quick ? 1_000 : 6_000;
    ctx.log(`${IN_FLIGHT} in flight, ${durationMs} ms per path in alternating slices`);
    const [actor, nats] = await alternatingLoops(
      [
        async (i) => {
          const { team, channel } = channelOf(i % ACTORS);
          await bench.say(team, channel, `U${i % 4}`, '다람쥐 헌 쳇바퀴에 타고파 빠르게 달리는 토끼', i);
        },
        raw.op,
      ],
      { inFlight: IN_FLIGHT, durationMs },
    );
    const measured = { label: 'actor path', value: round(actor!.perSecond), unit: 'msg/s' };
    const baseline = { label: 'raw NATS req/reply', value: round(nats!.perSecond), unit: 'msg/s' };
    const ratio = actor!.perSecond / nats!.perSecond;
    return {
      measured,
      baseline,
      ratio,
      figures: [
        measured,
        baseline,
        { label: 'actor path p50', value: round(actor!.latencyMs.p50, 2), unit: 'ms' },
        { label: 'actor path p99', value: round(actor!.latencyMs.p99, 2), unit: 'ms' },
        { label: 'raw req/reply p99', value: round(nats!.latencyMs.p99, 2), unit: 'ms' },
      ],
      goal: { text: '≥ 50% of raw NATS req/reply', pass: ratio >= 0.5 },
      notes: [
        `${ACTORS} active actors with no game running, channel chat through sendToGame: route → mailbox → step → reply, validated msgpack both ways`,
        'actor host, client and raw responder share one Node process, like the nats-baseline pair',
      ],
    };
  } finally {
    await raw.close();
    await bench.stop();
  }
}

export const actorThroughput: Scenario = {
  name: 'actor-throughput',
  description: 'messages/s through the actor path (route → mailbox → step → reply) vs raw NATS request/reply',
  cheap: false,
  run,
};
