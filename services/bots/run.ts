import { Rng } from '../../actors/rng.ts';
import { SurfingerError, type Mode } from '../../protocol/index.ts';
import { startCluster, type Cluster } from '../local/cluster.ts';
import { percentiles, type Percentiles } from '../common/percentiles.ts';
import { SandboxDriver } from './driver.ts';
import { BotErrorCodes } from './errors.ts';
import { castPlayers } from './personas.ts';
import { emptyStats, playChannel, type BotStats, type ChannelPlan } from './play.ts';

/**
 * `surfinger bots`: simulated players in many channels at once, through the real path (sandbox →
 * ingress/sockets → NATS → actors → egress → sandbox). Starts its own cluster unless pointed at a
 * running sandbox.
 */
export interface BotsOptions {
  teams: number;
  channels: number;
  players: number;
  durationMs: number;
  mode: Mode;
  rounds: number;
  seed: number;
  /** Attach to a running cluster's sandbox instead of starting one. */
  sandboxUrl?: string;
  /** Called about once a second with a one-line status. */
  progress?(line: string): void;
}

export interface BotsSummary {
  teams: number;
  channels: number;
  players: number;
  mode: Mode;
  elapsedMs: number;
  gamesStarted: number;
  gamesFinished: number;
  gamesPerMinute: number;
  rounds: number;
  answers: number;
  answersByPersona: BotStats['answersByPersona'];
  pastedSent: number;
  pastedCaught: number;
  errors: number;
  errorSamples: string[];
  deadlineToResultMs: Percentiles;
  answerToResultMs: Percentiles;
}

/** What the bots need to know of a sandbox team. */
export interface BotTeam {
  id: string;
  channels: ReadonlyArray<{ id: string }>;
  users: ReadonlyArray<{ id: string }>;
}

/** Teams, channels and players taken from the sandbox, refusing sizes it cannot hold. */
export function planChannels(teams: readonly BotTeam[], opts: Pick<BotsOptions, 'teams' | 'channels' | 'players'>): ChannelPlan[] {
  if (teams.length < opts.teams) throw new SurfingerError(BotErrorCodes.OPTIONS, `the sandbox has ${teams.length} teams, ${opts.teams} requested`);
  const plans: ChannelPlan[] = [];
  teams.slice(0, opts.teams).forEach((team, t) => {
    if (team.channels.length < opts.channels || team.users.length < opts.players) {
      throw new SurfingerError(BotErrorCodes.OPTIONS, `team ${team.id} has ${team.channels.length} channels and ${team.users.length} users; need ${opts.channels} and ${opts.players}`);
    }
    team.channels.slice(0, opts.channels).forEach((channel, c) => {
      const personas = castPlayers(opts.players, t * opts.channels + c);
      plans.push({ team: team.id, channel: channel.id, players: team.users.slice(0, opts.players).map((u, i) => ({ user: u.id, persona: personas[i]! })) });
    });
  });
  return plans;
}


function summarize(opts: BotsOptions, stats: BotStats, elapsedMs: number, channels: number): BotsSummary {
  return {
    teams: opts.teams,
    channels,
    players: opts.players,
    mode: opts.mode,
    elapsedMs,
    gamesStarted: stats.gamesStarted,
    gamesFinished: stats.gamesFinished,
    gamesPerMinute: (stats.gamesFinished * 60_000) / elapsedMs,
    rounds: stats.rounds,
    answers: stats.answers,
    answersByPersona: stats.answersByPersona,
    pastedSent: stats.pastedSent,
    pastedCaught: stats.pastedCaught,
    errors: stats.errors,
    errorSamples: stats.errorSamples,
    deadlineToResultMs: percentiles([...stats.deadlineToResultMs]),
    answerToResultMs: percentiles([...stats.answerToResultMs]),
  };
}

function progressLine(stats: BotStats, elapsedMs: number, durationMs: number): string {
  return `[${Math.round(elapsedMs / 1000)}s/${Math.round(durationMs / 1000)}s] games ${stats.gamesFinished}/${stats.gamesStarted} rounds ${stats.rounds} answers ${stats.answers} pasted caught ${stats.pastedCaught}/${stats.pastedSent} errors ${stats.errors}`;
}

export async function runBots(opts: BotsOptions): Promise<BotsSummary> {
  let cluster: Cluster | undefined;
  try {
    let url = opts.sandboxUrl;
    if (url === undefined) {
      opts.progress?.('starting a local cluster (nats, redis, sandbox, services)…');
      cluster = await startCluster({ sandbox: { teams: opts.teams, channels: opts.channels, users: opts.players }, readyTimeoutMs: 120_000 });
      url = cluster.sandboxUrl;
    }
    const driver = new SandboxDriver(url);
    const plans = planChannels(await driver.teams(), opts);
    const stats = emptyStats();
    const started = Date.now();
    const until = started + opts.durationMs;
    const timer = setInterval(() => opts.progress?.(progressLine(stats, Date.now() - started, opts.durationMs)), 1_000);
    try {
      await Promise.all(
        plans.map((plan, i) =>
          playChannel(plan, { driver, mode: opts.mode, rounds: opts.rounds, rng: new Rng((opts.seed + i * 0x9e3779b1) >>> 0), stats, until, pollMs: 250, stallMs: 45_000 }),
        ),
      );
    } finally {
      clearInterval(timer);
    }
    const elapsedMs = Date.now() - started;
    opts.progress?.(progressLine(stats, elapsedMs, opts.durationMs));
    return summarize(opts, stats, elapsedMs, plans.length);
  } finally {
    await cluster?.stop();
  }
}
