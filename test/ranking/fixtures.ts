import { Rng } from '../../actors/rng.ts';
import { MessageTypes, type GameResult, type Mode, type ResultEntry, type ResultMessage, type RoundResult } from '../../protocol/index.ts';

/**
 * Result builders for ranking tests: hand-made rounds for rule-by-rule cases and a seeded random
 * history for the brute-force comparisons.
 */

export const DAY = 24 * 60 * 60 * 1000;
export const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

export function entry(user: string, over: Partial<ResultEntry> = {}): ResultEntry {
  const accuracy = over.accuracy ?? 95;
  const speed = over.speed ?? 250;
  return {
    user,
    text: 'typed',
    accuracy,
    speed,
    wpm: null,
    score: (accuracy / 100) ** 2 * speed,
    elapsedMs: 8_000,
    pasted: false,
    flagged: false,
    rank: 1,
    eliminated: false,
    ...over,
  };
}

export function round(over: Partial<RoundResult> & { gameId: string; at: number; entries: ResultEntry[] }): RoundResult {
  const { at, ...rest } = over;
  const r = rest.round ?? 1;
  return {
    type: MessageTypes.roundResult,
    resultId: `${rest.gameId}:${r}`,
    team: 'T1',
    channel: 'C1',
    mode: 'normal',
    round: r,
    lang: 'ko',
    promptId: 'ko-0001',
    prompt: '오늘은 날씨가 맑아요',
    level: 2,
    mission: null,
    startedAt: at - 15_000,
    deadline: at,
    missed: [],
    winners: [],
    ...rest,
  };
}

export function game(over: Partial<GameResult> & { gameId: string; at: number; totals: GameResult['totals'] }): GameResult {
  const { at, ...rest } = over;
  return {
    type: MessageTypes.gameResult,
    resultId: `${rest.gameId}:final`,
    team: 'T1',
    channel: 'C1',
    mode: 'normal',
    lang: 'ko',
    startedBy: rest.totals[0]?.user ?? 'U1',
    startedAt: at - 30_000,
    finishedAt: at,
    rounds: 1,
    champion: rest.totals[0]?.user ?? null,
    exitedBy: null,
    ...rest,
  };
}

/** A one-round normal game: its round result and its final result. */
export function normalGame(gameId: string, at: number, entries: ResultEntry[], over: { team?: string; channel?: string; promptId?: string; prompt?: string } = {}): ResultMessage[] {
  const ranked = entries.filter((e) => !e.pasted && !e.flagged).sort((a, b) => b.score - a.score);
  const winners = ranked.slice(0, 1).map((e) => e.user);
  return [
    round({ gameId, at, entries, winners, ...over }),
    game({ gameId, at: at + 1_000, totals: entries.map((e) => ({ user: e.user, score: e.score, rounds: 1, avgAccuracy: e.accuracy })), champion: winners[0] ?? null, ...over }),
  ];
}

/**
 * A seeded random history: `games` games over `spanDays` days ending at `end`, in a few channels of
 * two teams, with some pasted and flagged answers. Ordered by time, like a real stream.
 */
export function randomHistory(seed: number, games: number, end: number, spanDays = 60): ResultMessage[] {
  const rng = new Rng(seed);
  const places: Array<{ team: string; channel: string }> = [
    { team: 'T1', channel: 'C1' },
    { team: 'T1', channel: 'C2' },
    { team: 'T2', channel: 'C9' },
  ];
  const users = ['U01', 'U02', 'U03', 'U04', 'U05', 'U06', 'U07', 'U08'];
  const starts = Array.from({ length: games }, () => end - Math.floor(rng.next() * spanDays * DAY)).sort((a, b) => a - b);
  const out: ResultMessage[] = [];
  starts.forEach((at, g) => {
    const place = places[rng.int(places.length)] ?? places[0]!;
    const mode: Mode = rng.next() < 0.3 ? 'round' : 'normal';
    const rounds = mode === 'round' ? 1 + rng.int(3) : 1;
    const players = users.filter(() => rng.next() < 0.5);
    const totals = new Map<string, { score: number; rounds: number; acc: number }>();
    for (let r = 1; r <= rounds; r++) {
      const entries = players.map((user) =>
        entry(user, {
          accuracy: 60 + rng.int(41),
          speed: 100 + rng.int(500),
          pasted: rng.next() < 0.05,
          flagged: rng.next() < 0.03,
        }),
      );
      const promptId = `ko-${String(1 + rng.int(12)).padStart(4, '0')}`;
      const ranked = entries.filter((e) => !e.pasted && !e.flagged).sort((a, b) => b.score - a.score);
      out.push(round({ gameId: `g${g}`, round: r, at: at + r * 20_000, entries, mode, promptId, prompt: `문장 ${promptId}`, winners: ranked.slice(0, 1).map((e) => e.user), ...place }));
      for (const e of entries) {
        const t = totals.get(e.user) ?? { score: 0, rounds: 0, acc: 0 };
        totals.set(e.user, { score: t.score + e.score, rounds: t.rounds + 1, acc: t.acc + e.accuracy });
      }
    }
    const totalRows = [...totals].map(([user, t]) => ({ user, score: t.score, rounds: t.rounds, avgAccuracy: t.acc / t.rounds }));
    out.push(game({ gameId: `g${g}`, at: at + (rounds + 1) * 20_000, mode, rounds, totals: totalRows, champion: totalRows[0]?.user ?? null, ...place }));
  });
  return out;
}
