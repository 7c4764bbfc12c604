import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import type { Rng } from '../actors/rng.ts';
import { planAnswer, type Persona } from '../services/bots/personas.ts';
import type { ActorBench } from './actor-bench.ts';

const PERSONAS: readonly Persona[] = ['fast', 'accurate', 'typo', 'slow'];

/**
 * Four players per game (fast, accurate, typo, slow personas) answering every prompt the bench's
 * egress stand-in sees, each when their persona would (a fraction of the time limit after it went
 * out): an open loop at the arrival rate real players produce. Latency = answer request → the
 * actor's reply (sent after the answer was scored and committed). Answers sent inside the window
 * (`openWindow`) are the measured ones; earlier ones (games still starting) are kept apart.
 */
export class Players {
  /** Latencies (ms) of answers sent in the window, and their send times (performance.now()). */
  readonly windowed: number[] = [];
  readonly sendTimes: number[] = [];
  /** Latencies of answers sent before the window opened. */
  readonly ramp: number[] = [];
  errors = 0;
  private inFlight = 0;
  private seq = 0;
  private windowStart = Infinity;
  private windowEnd = Infinity;

  constructor(bench: ActorBench, rng: Rng) {
    bench.onPrompt((team, channel, prompt) => {
      PERSONAS.forEach((persona, p) => {
        const plan = planAnswer(persona, prompt.shown, rng);
        if (plan === null) return;
        setTimeout(() => {
          const t0 = performance.now();
          if (t0 >= this.windowEnd) return;
          const inWindow = t0 >= this.windowStart;
          if (inWindow) this.sendTimes.push(t0);
          this.inFlight++;
          bench
            .say(team, channel, `U${p}`, plan.text, ++this.seq)
            .then(
              () => (inWindow ? this.windowed : this.ramp).push(performance.now() - t0),
              () => this.errors++,
            )
            .finally(() => this.inFlight--);
        }, Math.max(0, prompt.at + plan.delayMs - performance.now()));
      });
    });
  }

  /** Opens the measured window now; answers are no longer sent once it has closed. */
  openWindow(ms: number): { end: number } {
    this.windowStart = performance.now();
    this.windowEnd = this.windowStart + ms;
    return { end: this.windowEnd };
  }

  /** Resolves once every answer sent has its reply (or error). */
  async drained(): Promise<void> {
    while (this.inFlight > 0) await sleep(20);
  }
}
