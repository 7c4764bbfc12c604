import { AckPolicy, DeliverPolicy, nanos, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import { asSurfingerError, codecs, type ResultMessage, type Subjects } from '../../protocol/index.ts';
import type { Logger } from '../common/logger.ts';
import { RankingErrorCodes } from './errors.ts';
import type { ApplyOutcome } from './store.ts';

/**
 * The durable pull consumer on the results stream. Messages are handled one at a time in stream
 * order and acked only after their Redis transaction committed; a crash before the ack means a
 * redelivery, which the applied-id marker turns into a no-op.
 */

export const DURABLE_NAME = 'ranking';
/** Redelivery after a failed apply (e.g. Redis restarting) waits this long instead of spinning. */
const RETRY_DELAY_MS = 1_000;

export type DecodeOutcome = { ok: true; result: ResultMessage } | { ok: false; code: string; reason: string };

/** Decodes a stored result; both the live consumer and the rebuild treat a failure the same way. */
export function decodeResult(data: Uint8Array): DecodeOutcome {
  try {
    return { ok: true, result: codecs.result.decode(data) };
  } catch (err) {
    const e = asSurfingerError(err, RankingErrorCodes.BAD_RESULT);
    return { ok: false, code: e.code, reason: e.message };
  }
}

export interface ConsumerHooks {
  /** `working` tells JetStream the message is still being handled (resets its ack timer). */
  apply(result: ResultMessage, working: () => void): Promise<ApplyOutcome>;
  /** After each message: stream messages still waiting for this consumer. */
  onPending(pending: number): void;
  onOutcome(outcome: 'applied' | 'duplicate' | 'rejected' | 'failed'): void;
}

export async function ensureDurable(nc: NatsConnection, subjects: Subjects): Promise<void> {
  const jsm = await nc.jetstreamManager();
  await jsm.consumers.add(subjects.streams.results, {
    durable_name: DURABLE_NAME,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(30_000),
    max_deliver: -1,
    // One result in flight cluster-wide: every replica applies in stream order, which is what
    // makes a rebuild (a replay in stream order) reproduce the live data exactly.
    max_ack_pending: 1,
  });
}

export async function startResultsConsumer(
  nc: NatsConnection,
  subjects: Subjects,
  log: Logger,
  hooks: ConsumerHooks,
): Promise<{ stop(): Promise<void>; pending(): Promise<number> }> {
  await ensureDurable(nc, subjects);
  const consumer = await nc.jetstream().consumers.get(subjects.streams.results, DURABLE_NAME);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: 256 });
  const loop = (async () => {
    for await (const m of messages) await handle(m);
  })();

  async function handle(m: JsMsg): Promise<void> {
    const decoded = decodeResult(m.data);
    if (!decoded.ok) {
      // A stored payload that fails its schema will fail forever: terminate, never retry.
      log.warn({ code: decoded.code, subject: m.subject, seq: m.seq, reason: decoded.reason }, 'rejected result');
      m.term();
      hooks.onOutcome('rejected');
      hooks.onPending(m.info.pending);
      return;
    }
    const { result } = decoded;
    const rlog = log.child({ team: result.team, channel: result.channel, gameId: result.gameId });
    try {
      const outcome = await hooks.apply(result, () => m.working());
      m.ack();
      hooks.onOutcome(outcome.applied ? 'applied' : 'duplicate');
      rlog.debug({ resultId: result.resultId, applied: outcome.applied }, outcome.applied ? 'result applied' : 'duplicate result skipped');
    } catch (err) {
      const e = asSurfingerError(err);
      rlog.error({ err: e, code: e.code, resultId: result.resultId }, 'applying result failed; will be redelivered');
      m.nak(RETRY_DELAY_MS);
      hooks.onOutcome('failed');
    }
    hooks.onPending(m.info.pending);
  }

  return {
    async pending() {
      const info = await consumer.info(true);
      return info.num_pending + info.num_ack_pending;
    },
    async stop() {
      messages.stop();
      await loop.catch((err: unknown) => log.warn({ err: asSurfingerError(err) }, 'consumer loop ended with an error'));
    },
  };
}
