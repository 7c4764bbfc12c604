import { MessageTypes, type GameMessage, type RoundResult } from '../protocol/messages.ts';

/**
 * A typical player answer as it travels to a game actor: the unit of work every NATS-level scenario
 * moves, so raw NATS, the actor path and JetStream carry the same bytes.
 */
export function sampleAnswer(i: number): GameMessage {
  return {
    type: MessageTypes.gameMessage,
    team: 'T0BENCH',
    channel: `C${i % 1_000}`,
    user: `U${i % 4}`,
    text: '다람쥐 헌 쳇바퀴에 타고파 빠르게 달리는 토끼',
    ts: `1700000000.${String(i).padStart(6, '0')}`,
    eventId: `Ev${i}`,
    receivedAt: 1_700_000_000_000 + i,
  };
}

/** A four-player round result as an actor publishes it; `i` makes the game (and dedup id) unique. */
export function sampleRoundResult(i: number, run: string): RoundResult {
  const entry = (user: string, accuracy: number) => ({
    user,
    text: '다람쥐 헌 쳇바퀴에 타고파',
    accuracy,
    speed: 312.5,
    wpm: null,
    score: (accuracy / 100) ** 2 * 312.5,
    elapsedMs: 7_400,
    pasted: false,
    flagged: false,
    rank: null,
    eliminated: false,
  });
  const gameId = `${run}-g${i}`;
  return {
    type: MessageTypes.roundResult,
    resultId: `${gameId}:1`,
    gameId,
    team: `T${i % 100}`,
    channel: `C${i % 1_000}`,
    mode: 'normal',
    round: 1,
    lang: 'ko',
    promptId: 'ko-0001',
    prompt: '다람쥐 헌 쳇바퀴에 타고파',
    level: 2,
    mission: null,
    startedAt: 1_700_000_000_000,
    deadline: 1_700_000_010_000,
    entries: [entry('U1', 100), entry('U2', 96), entry('U3', 89), entry('U4', 72)],
    missed: [],
    winners: ['U1'],
  };
}
