import type { Rng } from '../rng.ts';
import { toJamo } from '../scoring.ts';

/**
 * The robot of `/start robot [easy|normal|hard|me]`. Its speed and accuracy come from a level, or
 * (`me`) from the player's own recent answers in this channel: a ghost. It types the target the
 * way a person does — from the sentence, never a copy of the posted prompt with its markers — with
 * mistakes, and its answer arrives when a typist of its speed would finish (the actor's timer).
 */

export type RobotLevel = 'easy' | 'normal' | 'hard' | 'me';

export interface TypistProfile {
  /** Keystrokes (jamo or letters) per minute. */
  speed: number;
  /** Whole percent the robot aims for. */
  accuracy: number;
}

/** About a beginner, an average typist (Korean ~300 타/min), and a fast one. */
export const ROBOT_LEVELS: Readonly<Record<Exclude<RobotLevel, 'me'>, TypistProfile>> = {
  easy: { speed: 200, accuracy: 88 },
  normal: { speed: 320, accuracy: 94 },
  hard: { speed: 480, accuracy: 98 },
};

/** Recent answers kept per player for the ghost, and players remembered per channel. */
export const GHOST_SAMPLES = 10;
export const GHOST_PLAYERS = 100;

export interface GhostRecord {
  user: string;
  /** Newest first. */
  samples: TypistProfile[];
}

/** The mean of a player's recent answers; null when there are none. */
export function ghostProfile(ghosts: readonly GhostRecord[], user: string): TypistProfile | null {
  const samples = ghosts.find((g) => g.user === user)?.samples ?? [];
  if (samples.length === 0) return null;
  const mean = (f: (s: TypistProfile) => number) => samples.reduce((sum, s) => sum + f(s), 0) / samples.length;
  return { speed: Math.round(mean((s) => s.speed)), accuracy: Math.round(mean((s) => s.accuracy)) };
}

/** `ghosts` with a player's newest answer first; the least recently seen players fall off. */
export function rememberAnswer(ghosts: readonly GhostRecord[], user: string, sample: TypistProfile): GhostRecord[] {
  const mine = ghosts.find((g) => g.user === user);
  const others = ghosts.filter((g) => g.user !== user);
  return [{ user, samples: [sample, ...(mine?.samples ?? [])].slice(0, GHOST_SAMPLES) }, ...others].slice(0, GHOST_PLAYERS);
}

export interface RobotAnswer {
  text: string;
  /** After the prompt was posted. */
  elapsedMs: number;
}

/**
 * What the robot types and when:
 *  1. Mistakes: whole characters (never spaces) are left out at random until the jamo they cost
 *     reach (100 − accuracy)% of the target — an edit budget, so the accuracy lands near the level.
 *  2. Time: its keystrokes at its speed, ±10 % jitter.
 *  3. A typist too slow for the time limit sends what it managed, just before the deadline: the
 *     leading characters that fit into 95 % of the limit.
 */
export function robotAnswer(target: string, profile: TypistProfile, limitMs: number, rng: Rng): RobotAnswer {
  const chars = [...target];
  const cost = chars.map((c) => toJamo(c).length);
  let budget = Math.floor(((100 - profile.accuracy) / 100) * cost.reduce((a, b) => a + b, 0));
  const dropped = new Set<number>();
  const candidates = chars.flatMap((c, i) => (c.trim() === '' ? [] : [i]));
  while (budget > 0 && candidates.length > 0) {
    const i = candidates.splice(rng.int(candidates.length), 1)[0]!;
    if (cost[i]! > budget) continue;
    dropped.add(i);
    budget -= cost[i]!;
  }
  const typed = chars.filter((_, i) => !dropped.has(i));
  const perKeyMs = 60_000 / Math.max(1, profile.speed);
  const jitter = 0.9 + rng.next() * 0.2;
  const keys = typed.reduce((sum, c) => sum + toJamo(c).length, 0);
  const elapsedMs = Math.round(keys * perKeyMs * jitter);
  const latest = Math.floor(limitMs * 0.95);
  if (elapsedMs <= latest) return { text: typed.join(''), elapsedMs };
  let fit = 0;
  let used = 0;
  while (fit < typed.length && used + toJamo(typed[fit]!).length * perKeyMs * jitter <= latest) used += toJamo(typed[fit++]!).length * perKeyMs * jitter;
  return { text: typed.slice(0, fit).join(''), elapsedMs: latest };
}
