import { isDeepStrictEqual } from 'node:util';
import type { Command } from 'commander';
import { z } from 'zod';
import { createGameLogic } from '../../actors/index.ts';
import { createSubjects, isSubjectToken, MessageTypes, SurfingerError, type ResultMessage } from '../../protocol/index.ts';
import { CommonEnv, parseEnv } from '../../services/common/config.ts';
import { loadCorpus } from '../../services/common/corpus.ts';
import { connectNats } from '../../services/common/nats.ts';
import { ActorHostErrorCodes } from '../../services/actor-host/errors.ts';
import { readGameEvents, readLiveResults, replayEvents } from '../../services/actor-host/replay.ts';
import { CliErrorCodes } from '../errors.ts';

function describeResult(r: ResultMessage): string {
  if (r.type === MessageTypes.gameResult) {
    const totals = r.totals.map((t) => `${t.user} ${t.score.toFixed(1)} (${t.rounds} rounds, ${t.avgAccuracy}%)`).join(', ');
    return `game ${r.resultId}: ${r.rounds} rounds, champion ${r.champion ?? '-'}${totals ? `; totals: ${totals}` : ''}`;
  }
  const entries = r.entries.map((e) => `#${e.rank ?? '-'} ${e.user} ${e.accuracy}% ${e.speed.toFixed(0)}/min score ${e.score.toFixed(1)}${e.pasted ? ' pasted' : ''}`).join('; ');
  return `round ${r.round} ${r.resultId}: "${r.prompt}"${r.mission ? ` [${r.mission}]` : ''} — ${entries || 'no answers'}`;
}

export function register(program: Command): void {
  program
    .command('replay')
    .description('re-run a game through the pure core from its event log and print its results (config from SF_NATS_URL, SF_PREFIX, SF_CORPUS_DIR, and SF_MISSION_RATE as the hosts had it)')
    .argument('<gameId>', 'the game id, as in logs and results (e.g. T123-C456-lq2x9k0)')
    .option('--json', 'print one JSON line: { gameId, events, results, live, matches }')
    .option('--no-compare', 'do not read the live results from the results stream')
    .action(async (gameId: string, opts: { json?: boolean; compare: boolean }) => {
      if (!isSubjectToken(gameId)) throw new SurfingerError(CliErrorCodes.USAGE, `not a game id: ${JSON.stringify(gameId)}`);
      // The mission rate decides which rounds draw a mission: replay with the hosts' own setting.
      const env = parseEnv(CommonEnv.extend({ SF_CORPUS_DIR: z.string().optional(), SF_MISSION_RATE: z.coerce.number().min(0).max(1).default(0.3) }), process.env);
      const subjects = createSubjects(env.SF_PREFIX);
      const nc = await connectNats(env.SF_NATS_URL, 'surfinger-replay', { user: env.SF_NATS_USER, pass: env.SF_NATS_PASS });
      try {
        const events = await readGameEvents(nc, subjects, gameId);
        const first = events[0];
        if (!first) throw new SurfingerError(ActorHostErrorCodes.REPLAY_NOT_FOUND, `no events logged for game ${gameId}`);
        const results = replayEvents(createGameLogic(await loadCorpus(env.SF_CORPUS_DIR), { missionProbability: env.SF_MISSION_RATE }), events);
        const live = opts.compare ? await readLiveResults(nc, subjects, first.team, first.channel, gameId) : null;
        const matches = live === null ? null : isDeepStrictEqual(live, results);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ gameId, events: events.length, results, live, matches })}\n`);
        } else {
          process.stdout.write(`${gameId}: ${events.length} events replayed\n`);
          for (const r of results) process.stdout.write(`  ${describeResult(r)}\n`);
          if (matches !== null) process.stdout.write(matches ? 'replay matches the live results\n' : `replay DIFFERS from the ${live!.length} live results\n`);
        }
        if (matches === false) process.exitCode = 1;
      } finally {
        await nc.drain();
      }
    });
}
