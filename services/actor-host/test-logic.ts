import type { ActorEvent, Effect, GameLogic, StepResult } from '../../actors/contract.ts';
import { MessageTypes, type RoundResult } from '../../protocol/index.ts';

/**
 * A tiny game for the runtime's own tests, written against actors/contract.ts only: `/start [ms]`
 * opens a round lasting `ms` (default 1 s); chat messages are answers (each updates the prompt
 * message); the deadline tick publishes a RoundResult listing answers in arrival order. The text
 * `boom` makes `step` throw, to exercise supervision. `played` counts finished games, so a test can
 * see that a passivated actor comes back with its state.
 */
export interface TestState {
  team: string;
  channel: string;
  seed: number;
  played: number;
  game: { id: string; startedAt: number; deadline: number; answers: Array<{ user: string; text: string; at: number }> } | null;
  lastGameId: string | null;
}

export function createTestLogic(): GameLogic<TestState> {
  return {
    initial: (id, seed) => ({ team: id.team, channel: id.channel, seed, played: 0, game: null, lastGameId: null }),
    step(state, event, now): StepResult<TestState> {
      if (event.type === 'message' && event.text === 'boom') throw new Error('boom');
      return stepTest(state, event, now);
    },
    nextDeadline: (s) => s.game?.deadline ?? null,
    isIdle: (s) => s.game === null,
    gameId: (s) => s.game?.id ?? s.lastGameId,
  };
}

function stepTest(state: TestState, event: ActorEvent, now: number): StepResult<TestState> {
  const g = state.game;
  switch (event.type) {
    case 'command': {
      if (event.command === 'exit' || g) return { state, effects: [{ type: 'reply', responseType: 'ephemeral', text: g ? 'already running' : 'no game' }] };
      const ms = Number.parseInt(event.text, 10);
      const id = `${state.team}-${state.channel}-${now.toString(36)}`;
      const game = { id, startedAt: now, deadline: now + (Number.isFinite(ms) && ms > 0 ? ms : 1_000), answers: [] };
      return {
        state: { ...state, game },
        effects: [
          { type: 'post', key: `${id}:prompt`, text: `go (played ${state.played})` },
          { type: 'reply', responseType: 'in_channel', text: `started ${id} after ${state.played}` },
        ],
      };
    }
    case 'message': {
      if (!g) return { state, effects: [] };
      const answers = [...g.answers, { user: event.user, text: event.text, at: now }];
      return { state: { ...state, game: { ...g, answers } }, effects: [{ type: 'update', key: `${g.id}:prompt`, text: `${answers.length} answered` }] };
    }
    case 'click':
      return { state, effects: [] };
    case 'tick': {
      if (!g || now < g.deadline) return { state, effects: [] };
      const result: RoundResult = {
        type: MessageTypes.roundResult,
        resultId: `${g.id}:1`,
        gameId: g.id,
        team: state.team,
        channel: state.channel,
        mode: 'normal',
        round: 1,
        lang: 'en',
        promptId: 'en-0001',
        prompt: 'go',
        level: 1,
        mission: null,
        startedAt: g.startedAt,
        deadline: g.deadline,
        entries: g.answers.map((a) => ({
          user: a.user,
          text: a.text,
          accuracy: 100,
          speed: 0,
          wpm: null,
          score: a.text.length,
          elapsedMs: a.at - g.startedAt,
          pasted: false,
          flagged: false,
          rank: null,
          eliminated: false,
        })),
        missed: [],
        winners: [],
      };
      const effects: Effect[] = [
        { type: 'post', key: `${g.id}:result`, text: `result: ${g.answers.map((a) => a.text).join(',')}` },
        { type: 'publish', result },
      ];
      return { state: { ...state, played: state.played + 1, game: null, lastGameId: g.id }, effects };
    }
  }
}
