import type { Mode } from '../../protocol/messages.ts';
import type { RobotLevel } from './robot.ts';
import { MAX_TEAMS, MIN_TEAMS } from './teams.ts';

export type Difficulty = 'easy' | 'normal' | 'hard';

export interface StartArgs {
  mode: Mode;
  difficulty: Difficulty;
  /** Planned rounds: 1 for normal, N for round, the cap for King of the Keyboard, the default for robot and teams. */
  rounds: number;
  /** Robot battle: the robot's level (`me`: the starter's ghost). */
  robot?: RobotLevel;
  /** Team battle: how many teams. */
  teams?: number;
}

export const MAX_ROUNDS = 10;

const MODE_WORDS: Readonly<Record<string, Mode>> = {
  normal: 'normal', 일반: 'normal', 노말: 'normal',
  round: 'round', rounds: 'round', 라운드: 'round',
  kok: 'kok', king: 'kok', 왕: 'kok', 킹: 'kok', 키보드의왕: 'kok', 서바이벌: 'kok',
  robot: 'robot', bot: 'robot', 로봇: 'robot', 봇: 'robot',
  teams: 'teams', team: 'teams', 팀: 'teams', 팀전: 'teams',
};

const ROBOT_WORDS: Readonly<Record<string, RobotLevel>> = {
  easy: 'easy', 쉬움: 'easy', 쉽게: 'easy',
  normal: 'normal', 보통: 'normal',
  hard: 'hard', 어려움: 'hard', 어렵게: 'hard',
  me: 'me', ghost: 'me', 나: 'me', 고스트: 'me',
};

const DIFFICULTY_WORDS: Readonly<Record<string, Difficulty>> = {
  easy: 'easy', 쉬움: 'easy', 쉽게: 'easy',
  normal: 'normal', 보통: 'normal',
  hard: 'hard', 어려움: 'hard', 어렵게: 'hard',
};

/** Corpus levels each difficulty draws from (product card: 1 easiest … 5 hardest). */
export const DIFFICULTY_LEVELS: Readonly<Record<Difficulty, readonly number[]>> = {
  easy: [1, 2],
  normal: [2, 3, 4],
  hard: [4, 5],
};

/** Own keys only: a player typing `/start constructor` must not reach Object.prototype. */
function lookup<T>(table: Readonly<Record<string, T>>, word: string | undefined): T | undefined {
  return word !== undefined && Object.hasOwn(table, word) ? table[word] : undefined;
}

/**
 * Parses `/start [normal | round N | kok | teams N] [easy|normal|hard]` and
 * `/start robot [easy|normal|hard|me]` (Korean aliases too). `normal` is
 * both a mode and a difficulty: as the first word it is the mode, after it the difficulty, so
 * `/start normal hard` and `/start hard` both mean a hard normal game. `round3` is `round 3`.
 * Returns null for anything else, and the caller answers with the usage line.
 */
export function parseStartArgs(text: string, defaults: { rounds: number; kokMaxRounds: number }): StartArgs | null {
  const words = text.trim().toLowerCase().replace(/^(round|라운드|teams?|팀전?)(\d+)/, '$1 $2').split(/\s+/).filter((w) => w.length > 0);
  let mode: Mode = 'normal';
  let rounds: number | null = null;
  let difficulty: Difficulty | null = null;
  let i = 0;
  const firstMode = lookup(MODE_WORDS, words[0]);
  if (firstMode === 'robot') return robotArgs(words.slice(1), defaults.rounds);
  if (firstMode === 'teams') return teamsArgs(words.slice(1), defaults.rounds);
  if (firstMode !== undefined) {
    mode = firstMode;
    i = 1;
    if (mode === 'round' && words[1] !== undefined && /^\d+$/.test(words[1])) {
      rounds = Number(words[1]);
      i = 2;
    }
  }
  for (; i < words.length; i++) {
    const d = lookup(DIFFICULTY_WORDS, words[i]);
    if (d === undefined || difficulty !== null) return null;
    difficulty = d;
  }
  if (mode === 'round') {
    rounds ??= defaults.rounds;
    if (rounds < 1 || rounds > MAX_ROUNDS) return null;
  }
  return {
    mode,
    difficulty: difficulty ?? 'normal',
    rounds: mode === 'normal' ? 1 : mode === 'kok' ? defaults.kokMaxRounds : rounds!,
  };
}

/** `robot [level]`: the level also picks the sentences' difficulty (a ghost plays normal ones). */
function robotArgs(rest: readonly string[], rounds: number): StartArgs | null {
  if (rest.length > 1) return null;
  const robot = rest.length === 0 ? 'normal' : lookup(ROBOT_WORDS, rest[0]);
  if (robot === undefined) return null;
  return { mode: 'robot', difficulty: robot === 'me' ? 'normal' : robot, rounds, robot };
}

/** `teams N [difficulty]`, N from MIN_TEAMS to MAX_TEAMS. */
function teamsArgs(rest: readonly string[], rounds: number): StartArgs | null {
  const n = rest[0] !== undefined && /^\d+$/.test(rest[0]) ? Number(rest[0]) : NaN;
  if (!(n >= MIN_TEAMS && n <= MAX_TEAMS) || rest.length > 2) return null;
  const difficulty = rest[1] === undefined ? 'normal' : lookup(DIFFICULTY_WORDS, rest[1]);
  if (difficulty === undefined) return null;
  return { mode: 'teams', difficulty, rounds, teams: n };
}
