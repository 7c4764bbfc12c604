import type { NatsConnection } from 'nats';
import type { GameLogic } from '../../actors/contract.ts';
import { codecs, MessageTypes, type EgressRequest, type GameInbound, type ResultMessage, type Subjects } from '../../protocol/index.ts';
import { createLogger, type Logger } from '../common/logger.ts';
import type { Infra } from '../../test/support/harness.ts';
import type { Clock } from './clock.ts';
import { sendToGame } from './client.ts';
import { start, type RunningActorHost } from './service.ts';
import { createTestLogic } from './test-logic.ts';

/** Helpers shared by the actor-host tests (in-process hosts on the harness' real NATS). */

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A logger whose lines tests can read back. */
export function collectingLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = createLogger('actor-host', { level: 'info', destination: { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) } });
  return { log, lines };
}

export async function startTestHost(
  infra: Infra,
  hostId: string,
  opts: { passivateMs?: number; leaseTtlMs?: number; clock?: Clock; log?: Logger; logic?: GameLogic<unknown>; maxGames?: number } = {},
): Promise<RunningActorHost> {
  return start({
    log: opts.log ?? createLogger('actor-host', { level: 'silent' }),
    natsUrl: infra.nats.url,
    prefix: infra.subjects.prefix,
    hostId,
    logic: opts.logic ?? (createTestLogic() as GameLogic<unknown>),
    passivateMs: opts.passivateMs ?? 60_000,
    leaseTtlMs: opts.leaseTtlMs ?? 1_500,
    metricsPort: 0,
    loadIntervalMs: 200,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.maxGames === undefined ? {} : { maxGames: opts.maxGames }),
  });
}

/** Stands in for the egress service on real NATS: answers every request with a ts and records it. */
export type RecordedEgress = EgressRequest & { answeredTs: string };

export function recordingEgress(nc: NatsConnection, subjects: Subjects, opts: { stall?: () => boolean } = {}): RecordedEgress[] {
  const seen: RecordedEgress[] = [];
  let n = 0;
  nc.subscribe(subjects.allEgress(), {
    queue: subjects.queues.egress,
    callback: (_err, msg) => {
      const req = codecs.egressRequest.decode(msg.data);
      if (opts.stall?.()) return;
      const answeredTs = `${1_700_000_000 + n++}.000100`;
      seen.push({ ...req, answeredTs });
      msg.respond(codecs.egressReply.encode({ type: MessageTypes.egressReply, ok: true, ts: answeredTs }));
    },
  });
  return seen;
}

export function command(team: string, channel: string, text = '', command: 'start' | 'exit' = 'start', user = 'U1'): GameInbound {
  return { type: MessageTypes.gameCommand, team, channel, user, command, text, lang: 'en', receivedAt: Date.now() };
}

let eventNo = 0;
export function chat(team: string, channel: string, text: string, user = 'U1'): GameInbound {
  eventNo++;
  return { type: MessageTypes.gameMessage, team, channel, user, text, ts: `1.${eventNo}`, eventId: `Ev${eventNo}`, receivedAt: Date.now() };
}

export function send(nc: NatsConnection, subjects: Subjects, msg: GameInbound) {
  return sendToGame(nc, subjects, msg, { activate: msg.type !== MessageTypes.gameMessage });
}

/** Every result in the results stream, duplicates included (a doubled result would show twice). */
export async function readResults(nc: NatsConnection, subjects: Subjects): Promise<ResultMessage[]> {
  const consumer = await nc.jetstream().consumers.get(subjects.streams.results);
  const out: ResultMessage[] = [];
  for (;;) {
    const m = await consumer.next({ expires: 1_000 });
    if (m === null) break;
    out.push(codecs.result.decode(m.data));
    if (m.info.pending === 0) break;
  }
  await consumer.delete().catch(() => undefined);
  return out;
}

/** The results of one game once there are any (for `waitFor`). */
export async function resultsOf(nc: NatsConnection, subjects: Subjects, gameId: string): Promise<ResultMessage[] | null> {
  const found = (await readResults(nc, subjects)).filter((r) => r.gameId === gameId);
  return found.length > 0 ? found : null;
}

export async function waitFor<T>(what: string, probe: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function metric(host: RunningActorHost, name: string): Promise<number> {
  const m = await host.registry.getSingleMetric(name)?.get();
  return (m?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}
