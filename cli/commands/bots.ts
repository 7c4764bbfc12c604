import type { Command } from 'commander';
import { Mode, SurfingerError } from '../../protocol/index.ts';
import { BotErrorCodes } from '../../services/bots/errors.ts';
import { runBots, type BotsSummary } from '../../services/bots/run.ts';

/** "60s", "2m", "1500ms" or plain seconds. */
function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new SurfingerError(BotErrorCodes.OPTIONS, `bad duration ${JSON.stringify(text)}; use e.g. 60s, 2m, 1500ms`);
  const n = Number(m[1]);
  return Math.round(m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1_000);
}

function positive(name: string) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new SurfingerError(BotErrorCodes.OPTIONS, `--${name} must be a positive integer, got ${JSON.stringify(text)}`);
    return n;
  };
}

function formatSummary(s: BotsSummary): string {
  const ms = (v: number) => (Number.isFinite(v) ? `${Math.round(v)} ms` : 'n/a');
  return [
    `teams ${s.teams}, channels ${s.channels}, players/channel ${s.players}, mode ${s.mode}, ${(s.elapsedMs / 1000).toFixed(1)} s`,
    `games      ${s.gamesFinished} finished / ${s.gamesStarted} started (${s.gamesPerMinute.toFixed(1)} per minute)`,
    `rounds     ${s.rounds}`,
    `answers    ${s.answers} (${Object.entries(s.answersByPersona).map(([p, n]) => `${p} ${n}`).join(', ')})`,
    `pasted     ${s.pastedCaught} caught of ${s.pastedSent} sent`,
    `answer → result table    p50 ${ms(s.answerToResultMs.p50)}  p95 ${ms(s.answerToResultMs.p95)}  p99 ${ms(s.answerToResultMs.p99)}`,
    `deadline → result table  p50 ${ms(s.deadlineToResultMs.p50)}  p95 ${ms(s.deadlineToResultMs.p95)}  p99 ${ms(s.deadlineToResultMs.p99)}`,
    `errors     ${s.errors}${s.errorSamples.map((e) => `\n  ${e}`).join('')}`,
  ].join('\n');
}

/** `surfinger bots`: tester bots playing real games in the sandbox (services/bots). */
export function register(program: Command): void {
  program
    .command('bots')
    .description('simulated players (accurate, typo, fast, slow, late, silent, paster) playing real games in the Slack sandbox')
    .option('--teams <n>', 'teams', positive('teams'), 2)
    .option('--channels <n>', 'channels per team', positive('channels'), 2)
    .option('--players <n>', 'players per channel', positive('players'), 4)
    .option('--duration <time>', 'how long to keep starting games (e.g. 60s)', '60s')
    .option('--mode <mode>', 'normal | round | kok', 'normal')
    .option('--rounds <n>', 'rounds per game in round mode', positive('rounds'), 3)
    .option('--seed <n>', 'RNG seed for the personas', positive('seed'), 2016)
    .option('--sandbox-url <url>', 'attach to a running sandbox instead of starting a cluster')
    .option('--json', 'print the summary as JSON on stdout', false)
    .action(async (opts: { teams: number; channels: number; players: number; duration: string; mode: string; rounds: number; seed: number; sandboxUrl?: string; json: boolean }) => {
      const mode = Mode.safeParse(opts.mode);
      if (!mode.success) throw new SurfingerError(BotErrorCodes.OPTIONS, `--mode must be normal, round or kok, got ${JSON.stringify(opts.mode)}`);
      const tty = process.stderr.isTTY;
      let lastLineAt = 0;
      const summary = await runBots({
        teams: opts.teams,
        channels: opts.channels,
        players: opts.players,
        durationMs: parseDuration(opts.duration),
        mode: mode.data,
        rounds: opts.rounds,
        seed: opts.seed,
        ...(opts.sandboxUrl ? { sandboxUrl: opts.sandboxUrl } : {}),
        // One self-overwriting line on a terminal; in CI logs a plain line every 5 s.
        progress: (line) => {
          if (tty) process.stderr.write(`\r\x1b[2K${line}`);
          else if (Date.now() - lastLineAt >= 5_000) {
            lastLineAt = Date.now();
            process.stderr.write(`${line}\n`);
          }
        },
      });
      if (tty) process.stderr.write('\n');
      process.stdout.write(opts.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`);
      if (summary.errors > 0) process.exitCode = 1;
    });
}
