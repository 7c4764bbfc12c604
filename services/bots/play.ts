import { setTimeout as sleep } from 'node:timers/promises';
import { stripMarkers } from '../../actors/markers.ts';
import type { Rng } from '../../actors/rng.ts';
import { timeLimitMs } from '../../actors/timing.ts';
import { asSurfingerError, type Mode } from '../../protocol/index.ts';
import type { SandboxDriver } from './driver.ts';
import { planAnswer, type Persona } from './personas.ts';
import { listedAsPasted, newEvents, tsMillis } from './reading.ts';

/** One channel's game loop: start a game, answer each prompt per persona, check the results. */

export interface Player {
  user: string;
  persona: Persona;
}

export interface ChannelPlan {
  team: string;
  channel: string;
  players: Player[];
}

export interface BotStats {
  gamesStarted: number;
  gamesFinished: number;
  rounds: number;
  answers: number;
  answersByPersona: Partial<Record<Persona, number>>;
  pastedSent: number;
  /** Paster answers the result table marked as pasted. */
  pastedCaught: number;
  errors: number;
  /** The first few error messages, for the summary. */
  errorSamples: string[];
  /** Result table's appearance minus (prompt's appearance + time limit), per round. */
  deadlineToResultMs: number[];
  /** Result table's ts minus the answer's ts (both sandbox clock), per answer sent in time. */
  answerToResultMs: number[];
}

export function emptyStats(): BotStats {
  return { gamesStarted: 0, gamesFinished: 0, rounds: 0, answers: 0, answersByPersona: {}, pastedSent: 0, pastedCaught: 0, errors: 0, errorSamples: [], deadlineToResultMs: [], answerToResultMs: [] };
}

function recordError(stats: BotStats, where: string, err: unknown): void {
  stats.errors++;
  if (stats.errorSamples.length < 10) stats.errorSamples.push(`${where}: ${asSurfingerError(err).message}`);
}

export interface PlayContext {
  driver: SandboxDriver;
  mode: Mode;
  /** Rounds for round mode. */
  rounds: number;
  rng: Rng;
  stats: BotStats;
  /** No new game starts after this time (ms since epoch); the running one is finished. */
  until: number;
  pollMs: number;
  /** A game with no new prompt or result for this long is reported as stalled. */
  stallMs: number;
}

function startText(mode: Mode, rounds: number): string {
  return mode === 'round' ? `round ${rounds}` : mode;
}

/** Plays games in one channel until `ctx.until`, then returns after the current game ends. */
export async function playChannel(plan: ChannelPlan, ctx: PlayContext): Promise<void> {
  const where = `${plan.team}/${plan.channel}`;
  while (Date.now() < ctx.until) {
    try {
      await playGame(plan, ctx, where);
    } catch (err) {
      recordError(ctx.stats, where, err);
      // Give a broken channel a moment instead of hammering the sandbox in a tight loop.
      await sleep(ctx.stallMs / 4);
    }
  }
}

async function playGame(plan: ChannelPlan, ctx: PlayContext, where: string): Promise<void> {
  const { driver, stats } = ctx;
  const seen = new Set((await driver.messages(plan.team, plan.channel)).map((m) => m.ts));
  await driver.command(plan.team, plan.channel, plan.players[0]!.user, '/start', startText(ctx.mode, ctx.rounds));
  stats.gamesStarted++;
  const pending: Array<Promise<void>> = [];
  let prompt: { ts: string; limitMs: number; pasters: string[]; honest: string[]; answeredAt: number[] } | null = null;
  let lastProgress = Date.now();
  for (;;) {
    await sleep(ctx.pollMs);
    let finished = false;
    for (const event of newEvents(await driver.messages(plan.team, plan.channel), seen)) {
      lastProgress = Date.now();
      if (event.kind === 'prompt') {
        const round = { ts: event.ts, limitMs: timeLimitMs(stripMarkers(event.shown)), pasters: [] as string[], honest: [] as string[], answeredAt: [] as number[] };
        prompt = round;
        for (const player of plan.players) {
          const answer = planAnswer(player.persona, event.shown, ctx.rng);
          if (answer === null) continue;
          (player.persona === 'paster' ? round.pasters : round.honest).push(player.user);
          pending.push(
            sleep(answer.delayMs).then(async () => {
              try {
                const ts = await driver.message(plan.team, plan.channel, player.user, answer.text);
                if (player.persona !== 'late') round.answeredAt.push(tsMillis(ts));
                stats.answers++;
                stats.answersByPersona[player.persona] = (stats.answersByPersona[player.persona] ?? 0) + 1;
                if (player.persona === 'paster') stats.pastedSent++;
              } catch (err) {
                recordError(stats, where, err);
              }
            }),
          );
        }
      } else if (event.kind === 'join') {
        // Everyone joins, silent players too: they are the ones King of the Keyboard eliminates.
        for (const player of plan.players) await driver.click(plan.team, plan.channel, player.user, event.ts, event.actionId, event.value);
      } else if (event.kind === 'results') {
        stats.rounds++;
        if (prompt !== null) {
          stats.deadlineToResultMs.push(tsMillis(event.ts) - (tsMillis(prompt.ts) + prompt.limitMs));
          for (const at of prompt.answeredAt) stats.answerToResultMs.push(tsMillis(event.ts) - at);
          for (const user of prompt.pasters) {
            if (listedAsPasted(event.body, user)) stats.pastedCaught++;
            else recordError(stats, where, new Error(`pasted answer of ${user} was not caught`));
          }
          for (const user of prompt.honest) {
            if (listedAsPasted(event.body, user)) recordError(stats, where, new Error(`typed answer of ${user} was marked as pasted`));
          }
        }
        prompt = null;
        if (ctx.mode === 'normal') finished = true;
      } else {
        finished = true;
      }
    }
    if (finished) break;
    if (Date.now() - lastProgress > ctx.stallMs) throw new Error(`game stalled: nothing new for ${ctx.stallMs} ms`);
  }
  // Late answers land before the next /start, so they hit this game's closed round, not the next one.
  await Promise.all(pending);
  stats.gamesFinished++;
}
