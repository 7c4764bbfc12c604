import type { Command } from 'commander';
import { CliErrorCodes } from '../errors.ts';
import { createSubjects, MessageTypes, SurfingerError, TournamentId, codecs, type TournamentRequest, type TournamentSummary } from '../../protocol/index.ts';
import { CommonEnv, parseEnv } from '../../services/common/config.ts';
import { connectNats, request } from '../../services/common/nats.ts';
import { parseTournamentChannels } from '../../services/common/tournament-form.ts';

const USAGE = CliErrorCodes.USAGE;

function seconds(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min) throw new SurfingerError(USAGE, `--${name} must be a number of seconds ≥ ${min}, got ${JSON.stringify(text)}`);
  return Math.round(n * 1_000);
}

function describe(t: TournamentSummary): string {
  const lines = [`${t.id} "${t.name}" — ${t.phase}, round ${t.round}/${t.rounds}, ${t.channels.length} channels, starts ${new Date(t.startsAt).toISOString()}`];
  for (const h of t.history) lines.push(`  round ${h.round} opened ${new Date(h.openedAt).toISOString()}: reported ${h.reported.join(', ') || '-'}${h.skipped.length ? `; skipped ${h.skipped.join(', ')}` : ''}`);
  for (const p of t.standings) lines.push(`  ${p.place === null ? 'withdrew' : `#${p.place}`} ${p.team}:${p.user} (${p.channel}) ${p.points} pts, ${p.played} rounds`);
  if (t.winners.length > 0) lines.push(`  winner: ${t.winners.join(', ')}`);
  return lines.join('\n');
}

/** One request to the actor hosts' tournament endpoint; prints the answer as text or JSON. */
async function ask(req: Omit<TournamentRequest, 'type'>, json: boolean | undefined): Promise<void> {
  const env = parseEnv(CommonEnv, process.env);
  const subjects = createSubjects(env.SF_PREFIX);
  const nc = await connectNats(env.SF_NATS_URL, 'surfinger-tournament', { user: env.SF_NATS_USER, pass: env.SF_NATS_PASS });
  try {
    const out = await request(nc, subjects.tournamentAdmin(), codecs.tournamentRequest, { type: MessageTypes.tournamentRequest, ...req }, codecs.tournamentReply, 15_000);
    if (json) process.stdout.write(`${JSON.stringify(req.op === 'list' ? out.tournaments : out.tournaments[0])}\n`);
    else process.stdout.write(out.tournaments.length === 0 ? 'no tournaments\n' : `${out.tournaments.map(describe).join('\n')}\n`);
  } finally {
    await nc.drain();
  }
}

function idArg(text: string): string {
  if (!TournamentId.safeParse(text).success) throw new SurfingerError(USAGE, `not a tournament id: ${JSON.stringify(text)} (lowercase letters, digits, - and _)`);
  return text;
}

export function register(program: Command): void {
  const t = program.command('tournament').description('tournaments across channels and workspaces: rounds open in every channel at once (config from SF_NATS_URL, SF_PREFIX)');
  t.command('create')
    .description('create a tournament; it is announced in every channel at once')
    .requiredOption('--id <id>', 'tournament id (lowercase letters, digits, - and _; never reused)')
    .requiredOption('--channel <team:channel...>', 'a channel, as TEAM:CHANNEL Slack ids (repeat, at least two; teams may differ)')
    .option('--team <team>', 'team of channels given without one')
    .option('--name <name>', 'shown in the standings', 'Tournament')
    .option('--rounds <n>', 'rounds (1–20)', '3')
    .option('--starts-in <seconds>', 'first round this long from now', '60')
    .option('--gap <seconds>', 'from one round opening to the next', '300')
    .option('--collect <seconds>', 'how long a round waits for channel results (less than --gap)', '120')
    .option('--lang <ko|en>', 'language of the announcements and standings', 'ko')
    .option('--by <who>', 'who creates it (a Slack user id starts the channel games in their name)', 'cli')
    .option('--json', 'print the created tournament as JSON')
    .action(async (o: { id: string; channel: string[]; team?: string; name: string; rounds: string; startsIn: string; gap: string; collect: string; lang: string; by: string; json?: boolean }) => {
      if (o.lang !== 'ko' && o.lang !== 'en') throw new SurfingerError(USAGE, `--lang must be ko or en, got ${JSON.stringify(o.lang)}`);
      const rounds = Number(o.rounds);
      if (!Number.isInteger(rounds)) throw new SurfingerError(USAGE, `--rounds must be a whole number, got ${JSON.stringify(o.rounds)}`);
      const spec = {
        id: idArg(o.id),
        name: o.name,
        lang: o.lang,
        channels: o.channel.flatMap((c) => parseTournamentChannels(c, o.team)),
        rounds,
        startsAt: Date.now() + seconds('starts-in', o.startsIn, 0),
        roundGapMs: seconds('gap', o.gap, 1),
        collectMs: seconds('collect', o.collect, 0.5),
        createdBy: o.by,
      } as const;
      await ask({ op: 'create', spec }, o.json);
    });
  t.command('list').description('every tournament, running or over').option('--json', 'print a JSON array').action((o: { json?: boolean }) => ask({ op: 'list' }, o.json));
  t.command('show')
    .description('one tournament: phase, rounds (channels that reported or were skipped), standings')
    .argument('<id>')
    .option('--json', 'print it as JSON')
    .action((id: string, o: { json?: boolean }) => ask({ op: 'show', id: idArg(id) }, o.json));
  t.command('cancel')
    .description('stop a tournament wherever it is; the standings say so in every channel')
    .argument('<id>')
    .option('--by <who>', 'who cancels it', 'cli')
    .option('--json', 'print it as JSON')
    .action((id: string, o: { by: string; json?: boolean }) => ask({ op: 'cancel', id: idArg(id), by: o.by }, o.json));
}
