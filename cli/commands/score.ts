import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { inferLang, scoreAnswer } from '../../actors/index.ts';
import type { Lang } from '../../protocol/messages.ts';

/**
 * `surfinger score`: the game's own scoring module on one (prompt, answer) pair, for players'
 * disputes and for checking the rules by hand. Elapsed time defaults to one minute, so speed then
 * reads as the answer's plain keystroke count.
 */
function elapsed(value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0) throw new InvalidArgumentError('must be a whole number of milliseconds ≥ 0');
  return ms;
}

export function register(program: Command): void {
  program
    .command('score')
    .description('score an answer against a prompt: jamo accuracy, speed, score = accuracy² × speed')
    .requiredOption('--prompt <text>', 'the sentence that was shown (anti-paste markers are ignored)')
    .requiredOption('--answer <text>', 'what the player typed (any marker in it means pasted)')
    .option('--elapsed-ms <ms>', 'time from the prompt to the answer', elapsed, 60_000)
    .addOption(new Option('--lang <lang>', 'prompt language (default: inferred from the prompt)').choices(['ko', 'en']))
    .option('--json', 'print {"accuracy","speed","score","distance","length","pasted"} on one line')
    .action((opts: { prompt: string; answer: string; elapsedMs: number; lang?: Lang; json?: boolean }) => {
      const lang = opts.lang ?? inferLang(opts.prompt);
      const s = scoreAnswer({ prompt: opts.prompt, answer: opts.answer, elapsedMs: opts.elapsedMs, lang });
      if (opts.json) {
        const { accuracy, speed, score, distance, length, pasted } = s;
        process.stdout.write(`${JSON.stringify({ accuracy, speed, score, distance, length, pasted })}\n`);
        return;
      }
      const speed = lang === 'ko' ? `${Math.round(s.speed)} 타/min` : `${Math.round(s.speed)} chars/min (${Math.round(s.wpm ?? 0)} WPM)`;
      const pasted = s.pasted ? ' — pasted: not scored' : '';
      process.stdout.write(`accuracy ${s.accuracy}% (${s.distance} edits over ${s.length} jamo) · speed ${speed} · score ${s.score.toFixed(1)}${pasted}\n`);
    });
}
