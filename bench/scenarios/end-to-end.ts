import { performance } from 'node:perf_hooks';
import { SandboxDriver } from '../../services/bots/driver.ts';
import { runBots } from '../../services/bots/run.ts';
import { startCluster } from '../../services/local/cluster.ts';
import { percentiles } from '../../services/common/percentiles.ts';
import { round } from '../measure.ts';
import type { Measured, Scenario, ScenarioContext } from '../types.ts';

/**
 * Tester bots through the whole path (sandbox → ingress/sockets → NATS → actors → egress →
 * sandbox). The baseline is what a bot can observe at best: the sandbox driver's own round trip
 * (post a message, see it in the history), measured against the same sandbox in the same run.
 */
async function driverRoundTrip(driver: SandboxDriver, team: string, channel: string, user: string, samples: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const text = `ping ${i}`;
    const t0 = performance.now();
    await driver.message(team, channel, user, text);
    while (!(await driver.messages(team, channel)).some((m) => m.text === text)) await new Promise((r) => setTimeout(r, 1));
    times.push(performance.now() - t0);
  }
  return percentiles(times).p50;
}

async function run(ctx: ScenarioContext): Promise<Measured> {
  const size = ctx.quick ? { teams: 1, channels: 2, players: 4, durationMs: 15_000 } : { teams: 5, channels: 3, players: 4, durationMs: 20_000 };
  ctx.log(`cluster with ${size.teams + 1} sandbox teams (one for the round-trip probe)`);
  const cluster = await startCluster({ sandbox: { teams: size.teams + 1, channels: size.channels, users: size.players }, readyTimeoutMs: 120_000 });
  try {
    const driver = new SandboxDriver(cluster.sandboxUrl);
    const probe = cluster.sandbox.teams[size.teams]!;
    const roundTrip = await driverRoundTrip(driver, probe.teamId, probe.channels[0]!.id, probe.users[0]!.id, 20);
    ctx.log(`${size.teams} teams × ${size.channels} channels × ${size.players} players for ${size.durationMs / 1000} s`);
    const s = await runBots({ ...size, mode: 'normal', rounds: 1, seed: 2016, sandboxUrl: cluster.sandboxUrl, progress: () => undefined });
    const measured = { label: 'answer → result table p50', value: round(s.answerToResultMs.p50), unit: 'ms' };
    const baseline = { label: 'sandbox driver round trip p50', value: round(roundTrip, 1), unit: 'ms' };
    return {
      measured,
      baseline,
      ratio: s.answerToResultMs.p50 / roundTrip,
      figures: [
        measured,
        baseline,
        { label: 'answer → result table p95', value: round(s.answerToResultMs.p95), unit: 'ms' },
        { label: 'result table after the players’ deadline p50', value: round(s.deadlineToResultMs.p50), unit: 'ms' },
        { label: 'result table after the players’ deadline p95', value: round(s.deadlineToResultMs.p95), unit: 'ms' },
        { label: 'games per minute', value: round(s.gamesPerMinute, 1), unit: 'games/min' },
        { label: 'games finished', value: s.gamesFinished, unit: 'games' },
        { label: 'answers', value: s.answers, unit: 'answers' },
        { label: 'pasted answers caught', value: s.pastedCaught, unit: `of ${s.pastedSent}` },
        { label: 'bot errors', value: s.errors, unit: 'errors' },
      ],
      // Reported, not a pass/fail figure — but a bot error (e.g. a paste not caught) is a failure.
      goal: { text: 'reported; 0 bot errors', pass: s.errors === 0 ? null : false },
      notes: [
        `${s.channels} channels playing normal games for ${size.durationMs / 1000} s; personas accurate, typo, fast, slow, late, silent, paster`,
        'answer → result: sandbox ts of each in-time answer to the ts of its result table; it includes the wait for the round’s deadline, which the rules set',
        'players’ deadline = the prompt’s appearance in the channel + the time limit; negative = the table came before it, because the prompt itself reached the channel late',
        ...s.errorSamples,
      ],
    };
  } finally {
    await cluster.stop();
  }
}

export const endToEnd: Scenario = {
  name: 'end-to-end',
  description: 'tester bots through the sandbox and every service: games/min and deadline → result latency',
  cheap: false,
  timeoutMs: 300_000,
  run,
};
