import { MessageTypes, type GameMessage } from '../protocol/messages.ts';

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
