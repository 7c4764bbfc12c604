import type { NatsConnection } from 'nats';
import type { GameLogic } from '../../actors/contract.ts';
import { asSurfingerError, codecs, SurfingerError, type GameEvent, type ResultMessage, type Subjects } from '../../protocol/index.ts';
import { ActorHostErrorCodes } from './errors.ts';

/**
 * Reads a game's event log (subject `gameEvents(gameId)` of the events stream) in order. Records
 * are deduplicated by `seq`: an append repeated after a failover outside the stream's duplicate
 * window is the same event, not a second one.
 */
export async function readGameEvents(nc: NatsConnection, subjects: Subjects, gameId: string): Promise<GameEvent[]> {
  const js = nc.jetstream();
  // A string, not an array: nats-server 2.9 knows only the single `filter_subject`.
  const consumer = await js.consumers.get(subjects.streams.events, { filterSubjects: subjects.gameEvents(gameId) });
  const bySeq = new Map<number, GameEvent>();
  try {
    for (;;) {
      const m = await consumer.next({ expires: 1_000 });
      if (m === null) break;
      try {
        const record = codecs.gameEvent.decode(m.data);
        if (!bySeq.has(record.seq)) bySeq.set(record.seq, record);
      } catch (err) {
        throw new SurfingerError(ActorHostErrorCodes.CORRUPT_RECORD, `event log of ${gameId} holds an unreadable record at stream seq ${m.seq}`, { cause: asSurfingerError(err) });
      }
      if (m.info.pending === 0) break;
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/**
 * Re-runs the pure core over a game's events: starting from the state logged with the first
 * event, each event is stepped at its logged `now`, and the results it publishes are collected.
 * Nothing is performed, so replay is as safe to run as a query.
 */
export function replayEvents<S>(logic: GameLogic<S>, events: readonly GameEvent[]): ResultMessage[] {
  const first = events[0];
  if (!first || first.seq !== 1 || first.base === undefined) {
    throw new SurfingerError(ActorHostErrorCodes.REPLAY_NOT_FOUND, 'the event log does not start at the game start (seq 1 with base state)');
  }
  let state = first.base as S;
  const results: ResultMessage[] = [];
  for (const record of events) {
    const out = logic.step(state, record.event, record.now);
    state = out.state;
    for (const effect of out.effects) if (effect.type === 'publish') results.push(effect.result);
  }
  return results;
}

/** The results the live game published, from the results stream (duplicates would show twice). */
export async function readLiveResults(nc: NatsConnection, subjects: Subjects, team: string, channel: string, gameId: string): Promise<ResultMessage[]> {
  const consumer = await nc.jetstream().consumers.get(subjects.streams.results, { filterSubjects: subjects.results(team, channel) });
  const out: ResultMessage[] = [];
  try {
    for (;;) {
      const m = await consumer.next({ expires: 1_000 });
      if (m === null) break;
      const result = codecs.result.decode(m.data);
      if (result.gameId === gameId) out.push(result);
      if (m.info.pending === 0) break;
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
  return out;
}

export async function replayGame<S>(nc: NatsConnection, subjects: Subjects, logic: GameLogic<S>, gameId: string): Promise<ResultMessage[]> {
  const events = await readGameEvents(nc, subjects, gameId);
  if (events.length === 0) throw new SurfingerError(ActorHostErrorCodes.REPLAY_NOT_FOUND, `no events logged for game ${gameId}`);
  return replayEvents(logic, events);
}
