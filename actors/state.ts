import type { Lang, Mode } from '../protocol/messages.ts';
import type { MissionArgs, MissionId } from './missions.ts';
import type { GhostRecord, RobotLevel } from './modes/robot.ts';
import type { Difficulty } from './modes/start-args.ts';

/**
 * The actor's whole state: plain data only (no Map/Set/class/function) so msgpack/JSON snapshots
 * restore it exactly, and absolute times (ms) so a restored game resumes where it was.
 */
export interface GameState {
  v: 1;
  team: string;
  channel: string;
  /** mulberry32 seed (see rng.ts), advanced by every draw. */
  seed: number;
  game: Game | null;
  /** Id of the last finished (or broken) game, for logs. */
  lastGameId: string | null;
  /** Set when a step failed: the game was dropped and this says why; the next /start clears it. */
  broken: { code: string; message: string; at: number } | null;
  /**
   * Players' recent ranked answers in this channel (speed, accuracy), the ghost of
   * `/start robot me`. Kept here, not read from ranking, so the robot stays a pure rule of the
   * channel's own history. Absent in snapshots from before robot battles.
   */
  ghosts?: GhostRecord[];
  /**
   * The last closed round's window, kept past the end of its game: an answer typed while it was
   * open but delivered after (Slack's retry a minute later) gets a private "too late" notice.
   * Absent in snapshots from before it existed.
   */
  lastClosed?: ClosedRound;
}

export interface ClosedRound {
  n: number;
  lang: Lang;
  postedAt: number;
  deadline: number;
  answered: string[];
  /** Modes with fixed players: only they could have answered. */
  players: string[] | null;
}

/** `challenge`: a duel waits for the challenged player's Accept or Decline. */
export type Phase = 'joining' | 'challenge' | 'countdown' | 'answering' | 'pause';

export interface Game {
  id: string;
  mode: Mode;
  lang: Lang;
  difficulty: Difficulty;
  startedBy: string;
  startedAt: number;
  /** Planned rounds (King of the Keyboard: the cap). */
  rounds: number;
  phase: Phase;
  /** When the current phase's next step is due (countdown step, join end, round deadline, pause end). */
  wakeAt: number;
  /** Countdown number currently shown. */
  countdown: number;
  /** Round mode: everyone who answered so far; King of the Keyboard: the players still standing. */
  players: string[];
  /** King of the Keyboard: eliminated players, in order of elimination. */
  out: string[];
  usedPrompts: string[];
  round: Round | null;
  /**
   * Slack ts of the newest answer an earlier round of this game counted: a message at or before it
   * is a redelivery and no answer for the current round. Absent in snapshots from before it existed.
   */
  answeredThrough?: string;
  /** Rounds finished. */
  completed: number;
  totals: Total[];
  /** Duel: `players` are [challenger, opponent]; rounds won by each. */
  duel?: { wins: [number, number] };
  /** Robot battle: the robot's typist profile and the answer it is typing in this round. */
  robot?: RobotPlay;
  /** Team battle: how many teams, then (from round 1) the members of each and their totals. */
  teams?: { count: number; members: string[][]; scores: number[] };
}

export interface RobotPlay {
  level: RobotLevel;
  speed: number;
  accuracy: number;
  /** Set when the prompt is posted; the answer arrives at `postedAt + elapsedMs` (a timer, like any deadline). */
  pending: { text: string; elapsedMs: number } | null;
}

export interface Round {
  n: number;
  promptId: string;
  level: number;
  /** The corpus sentence, no markers. */
  sentence: string;
  /** The sentence as posted, with anti-paste markers. */
  shown: string;
  /** What must be typed (the sentence transformed by the mission). */
  target: string;
  mission: MissionId | null;
  /** The mission's drawn arguments (consonant-replace: X and Y); absent in snapshots from before they existed. */
  missionArgs?: MissionArgs | null;
  /** Set when the prompt is posted. */
  postedAt: number | null;
  deadline: number | null;
  answers: Answer[];
  /** Last "N answered" update: how many it showed and when (throttle). */
  live: { shown: number; at: number };
}

export interface Answer {
  user: string;
  /** Slack ts of the answering message (absent in older snapshots). */
  ts?: string;
  /** Markers stripped. */
  text: string;
  elapsedMs: number;
  accuracy: number;
  speed: number;
  wpm: number | null;
  score: number;
  pasted: boolean;
  flagged: boolean;
}

export interface Total {
  user: string;
  score: number;
  rounds: number;
  accuracySum: number;
}
