import type { ActorEvent, Corpus, Effect } from './contract.ts';
import { createGameLogic } from './game.ts';
import type { GameOptions } from './game.ts';
import type { GameState } from './state.ts';
import type { GameResult, RoundResult } from '../protocol/messages.ts';

/** Shared by the actors/ tests: a tiny corpus and a driver with a fake clock (plain numbers). */
export const CORPUS: Corpus = {
  ko: [
    { id: 'ko-1', text: '가나다 라마바', level: 1 },
    { id: 'ko-2', text: '오늘은 날씨가 좋다', level: 2 },
    { id: 'ko-3', text: '다람쥐 헌 쳇바퀴에 타고파', level: 3 },
    { id: 'ko-4', text: '키보드 위의 손가락이 춤을 춘다', level: 4 },
    { id: 'ko-5', text: '닭 쫓던 개 지붕 쳐다본다', level: 5 },
  ],
  en: [
    { id: 'en-1', text: 'the cat sat', level: 1 },
    { id: 'en-2', text: 'quick brown fox jumps', level: 2 },
    { id: 'en-3', text: 'typing fast is fun to do', level: 3 },
    { id: 'en-4', text: 'pack my box with five dozen jugs', level: 4 },
    { id: 'en-5', text: 'sphinx of black quartz judge my vow', level: 5 },
  ],
};

export const T0 = 1_800_000_000_000;

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export function createDriver(options: Partial<GameOptions> = {}, seed = 42, corpus: Corpus = CORPUS) {
  const logic = createGameLogic(corpus, options);
  const d = {
    logic,
    state: logic.initial({ team: 'T1', channel: 'C1' }, seed) as GameState,
    now: T0,
    effects: [] as Effect[],
    /** Steps a deep-frozen state: a rule that mutates its input throws, which breaks the game visibly. */
    send(event: ActorEvent): Effect[] {
      const r = logic.step(deepFreeze(d.state), event, d.now);
      d.state = r.state;
      d.effects.push(...r.effects);
      return r.effects;
    },
    start(text = '', user = 'U1', lang: 'ko' | 'en' = 'ko'): Effect[] {
      return d.send({ type: 'command', user, command: 'start', text, lang });
    },
    say(user: string, text: string): Effect[] {
      return d.send({ type: 'message', user, text, ts: String(d.now), eventId: `E${d.effects.length}-${user}` });
    },
    /** Moves the clock to `t`, delivering a tick at every deadline on the way (as the runtime does). */
    advanceTo(t: number): void {
      for (let deadline = logic.nextDeadline(d.state); deadline !== null && deadline <= t; deadline = logic.nextDeadline(d.state)) {
        d.now = Math.max(d.now, deadline);
        d.send({ type: 'tick' });
      }
      d.now = Math.max(d.now, t);
    },
    advance(ms: number): void {
      d.advanceTo(d.now + ms);
    },
    /** Runs the countdown until the prompt is up. */
    toPrompt(): void {
      while (d.state.game !== null && d.state.game.phase !== 'answering') d.advanceTo(logic.nextDeadline(d.state) ?? d.now);
    },
    /** Runs to the end of the current round (its deadline tick). */
    toDeadline(): void {
      const g = d.state.game;
      if (g !== null) d.advanceTo(g.wakeAt);
    },
    target(): string {
      const round = d.state.game?.round;
      if (!round) throw new Error('no round');
      return round.target;
    },
    published(): Array<RoundResult | GameResult> {
      return d.effects.flatMap((e) => (e.type === 'publish' ? [e.result] : []));
    },
  };
  return d;
}

/** Round-trips the driver's state through JSON before every step, as a host restoring a snapshot would. */
export function restoreBeforeEachStep(d: ReturnType<typeof createDriver>): void {
  const original = d.send.bind(d);
  d.send = (event: ActorEvent) => {
    d.state = JSON.parse(JSON.stringify(d.state)) as GameState;
    return original(event);
  };
}
