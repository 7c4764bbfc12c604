import { AckPolicy, DeliverPolicy, nanos, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import { asSurfingerError, codecs, SurfingerError, type ResultMessage, type Subjects } from '../../protocol/index.ts';
import type { Logger } from '../common/logger.ts';
import { rejected } from '../common/rejections.ts';
import { RankingErrorCodes } from './errors.ts';
import type { BatchItem, BatchOutcome, ItemOutcome } from './store.ts';

/**
 * Reading the results stream. Ranking keeps its position in Redis (the generation's checkpoint,
 * written in the same transaction as the data), not in JetStream: each replica reads the stream in
 * order from the checkpoint with an ordered consumer and applies whatever it has fetched as one
 * batch. The checkpoint makes every message count once and in stream order however many replicas
 * run, restart or race; a JetStream ack could not, since it is not atomic with the Redis writes.
 *
 * The durable consumer `ranking` stays as the operators' view of that progress (`surfinger status`,
 * the watchdog's lag rule, the lag gauge): it delivers headers only, and a replica acks a message
 * once its checkpoint has passed it. Nothing is applied from it; its ack floor, kept in NATS, also
 * tells a replay after Redis lost data which badges were announced already.
 */

export const DURABLE_NAME = 'ranking';
/** Most messages applied in one Redis transaction; also how far a reader fetches ahead. */
const MAX_BATCH = 256;
/** A pull waits this long for new results before the next one (and notices a dead server). */
const FETCH_EXPIRES_MS = 5_000;
const READER_NAME_PREFIX = 'ranking-reader-';
/** After a failed read or apply (NATS or Redis restarting), wait this long and re-read from the checkpoint. */
const RETRY_DELAY_MS = 1_000;

type DecodeOutcome = { ok: true; result: ResultMessage } | { ok: false; code: string; reason: string };

/** Decodes a stored result; both the live consumer and the rebuild treat a failure the same way. */
function decodeResult(data: Uint8Array): DecodeOutcome {
  try {
    return { ok: true, result: codecs.result.decode(data) };
  } catch (err) {
    const e = asSurfingerError(err, RankingErrorCodes.BAD_RESULT);
    return { ok: false, code: e.code, reason: e.message };
  }
}

/** A stream message as the store applies it; a payload that fails its schema is logged and carried as null. */
export function toItem(m: JsMsg, log: Logger): BatchItem {
  const decoded = decodeResult(m.data);
  if (decoded.ok) return { seq: m.seq, result: decoded.result };
  // It will fail forever: the checkpoint passes it, it is never retried.
  rejected(log, { code: decoded.code, subject: m.subject, seq: m.seq, reason: decoded.reason }, 'rejected result');
  return { seq: m.seq, result: null };
}

export interface BatchReader {
  /** Resolves after `until` was handled or after stop(); rejects when reading or `onBatch` fails. */
  done: Promise<void>;
  stop(): void;
}

/**
 * Reads `stream` in order from sequence `from` (through `until`, if given) and hands `onBatch`
 * every message fetched and not yet handled, up to MAX_BATCH, in order, with at most two calls
 * outstanding; messages are decoded as they arrive. The ordered consumer re-creates itself if the
 * server skips a message, so batches never have gaps; fetching pauses while MAX_BATCH messages wait.
 */
export function readInBatches<T>(
  nc: NatsConnection,
  stream: string,
  range: { from: number; until?: number; created: string },
  decode: (m: JsMsg) => T,
  onBatch: (batch: T[]) => Promise<void>,
): BatchReader {
  const queue: T[] = [];
  let stopped = false;
  let readerDone = false;
  let fetching: ConsumerMessages | null = null;
  let waiters: Array<() => void> = [];
  const changed = (): void => {
    const wake = waiters;
    waiters = [];
    for (const w of wake) w();
  };
  const nextChange = (): Promise<void> => new Promise((r) => waiters.push(r));
  const reachedEnd = (seq: number): boolean => range.until !== undefined && seq >= range.until;

  const read = async (): Promise<void> => {
    // Named so operators can tell it in `surfinger status`; the server drops one whose process died
    // after five minutes without a pull (nats.js' default for ordered consumers).
    const consumer = await nc.jetstream().consumers.get(stream, { name_prefix: READER_NAME_PREFIX, opt_start_seq: range.from });
    const jsm = await nc.jetstreamManager();
    let last = range.from - 1;
    while (!stopped && !reachedEnd(last)) {
      if (queue.length >= MAX_BATCH) {
        await nextChange();
        continue;
      }
      fetching = await consumer.fetch({ max_messages: MAX_BATCH, expires: FETCH_EXPIRES_MS });
      if (stopped) fetching.stop();
      let fetched = 0;
      for await (const m of fetching) {
        fetched += 1;
        last = m.seq;
        queue.push(decode(m));
        changed();
        if (reachedEnd(last)) break;
      }
      fetching = null;
      // The ordered consumer re-creates itself on a stream recreated meanwhile, at our old position,
      // where nothing will come: a quiet pull checks that the stream is still the one we read.
      if (fetched === 0 && (await jsm.streams.info(stream)).created !== range.created) {
        throw new SurfingerError(RankingErrorCodes.STREAM_RECREATED, `${stream} was recreated; reading again from its start`);
      }
    }
  };
  const reading = read().finally(() => {
    readerDone = true;
    changed();
  });

  // Two batches at a time: while one is being written, the next is already handed over (the store
  // folds it meanwhile and writes it after). Each call waits for the one before it; a failure ends
  // the loop at once, even while no message is waiting.
  const apply = async (): Promise<void> => {
    let previous: Promise<void> = Promise.resolve();
    const failure: { err?: unknown } = {};
    while (!stopped && !('err' in failure)) {
      if (queue.length > 0) {
        const batch = queue.splice(0, MAX_BATCH);
        changed();
        const current = onBatch(batch);
        current.catch((err: unknown) => {
          if (!('err' in failure)) failure.err = err;
          changed();
        });
        await previous;
        previous = current;
      } else if (readerDone) {
        break;
      } else {
        await nextChange();
      }
    }
    if ('err' in failure) throw failure.err;
    await previous;
  };
  const stop = (): void => {
    stopped = true;
    fetching?.stop();
    changed();
  };
  const done = apply().then(
    // The queue is drained: a read error (after the batches before it were applied) is the result.
    () => reading,
    async (err: unknown) => {
      stop();
      await reading.catch(() => undefined);
      throw err;
    },
  );
  return { done, stop };
}

export interface ConsumerHooks {
  /** The live generation's checkpoint in the stream created at `stream`: a new reader starts right after it. */
  checkpoint(stream: string): Promise<number>;
  /**
   * Applies a batch after the previous one. `appliedThrough`: the last sequence of the batches
   * handed over before; `announcedThrough`: the durable's ack floor, below which badges were
   * announced already (see ApplyOptions).
   */
  apply(items: BatchItem[], appliedThrough: number, announcedThrough: number): Promise<BatchOutcome>;
  /** After each batch: stream messages this replica has not applied yet. */
  onPending(pending: number): void;
  onOutcome(outcome: ItemOutcome | 'failed'): void;
}

/**
 * Creates the durable, or brings an existing one to this config; returns the ack policy in force.
 * It acks everything up to a message, one ack per batch. JetStream cannot change an ack policy, so
 * a durable made before batching keeps acking each message (deleting it once gives the cheaper one).
 */
async function ensureDurable(nc: NatsConnection, subjects: Subjects): Promise<AckPolicy> {
  const jsm = await nc.jetstreamManager();
  const stream = subjects.streams.results;
  // Progress view only (see the file comment): headers are enough, and acks trail the checkpoint
  // by up to a few batches.
  const updatable = { ack_wait: nanos(30_000), max_deliver: -1, headers_only: true, max_ack_pending: 4 * MAX_BATCH };
  try {
    return (await jsm.consumers.add(stream, { durable_name: DURABLE_NAME, ack_policy: AckPolicy.All, deliver_policy: DeliverPolicy.All, ...updatable })).config.ack_policy;
  } catch (err) {
    if (!/ack policy can not be updated/i.test(String((err as Error).message))) throw err;
    return (await jsm.consumers.update(stream, DURABLE_NAME, updatable)).config.ack_policy;
  }
}

/**
 * The durable's messages, acked once this replica's checkpoint has passed them (see the file
 * comment). They arrive in delivery order, so the ones waiting are a queue; with AckPolicy.All one
 * ack, of the last message passed, covers the ones before it.
 */
class ProgressMirror {
  private waiting: JsMsg[] = [];

  constructor(
    private position: number,
    private readonly ackAll: boolean,
  ) {}

  /** The checkpoint this replica last saw: acks the waiting messages at or below it. */
  set(position: number): void {
    this.position = position;
    let passed = 0;
    while (passed < this.waiting.length && this.waiting[passed]!.seq <= position) passed += 1;
    if (passed === 0) return;
    if (this.ackAll) this.waiting[passed - 1]!.ack();
    else for (const m of this.waiting.slice(0, passed)) m.ack();
    this.waiting = this.waiting.slice(passed);
  }

  /** Messages delivered together (one socket read) are acked together, after that read. */
  offer(m: JsMsg): void {
    this.waiting.push(m);
    if (this.waiting.length === 1) queueMicrotask(() => this.set(this.position));
  }
}

export async function startResultsConsumer(
  nc: NatsConnection,
  subjects: Subjects,
  log: Logger,
  hooks: ConsumerHooks,
): Promise<{ stop(): Promise<void>; pending(): Promise<number> }> {
  const stream = subjects.streams.results;
  const jsm = await nc.jetstreamManager();
  // Sessions ensure it again; this one makes start() fail at once if JetStream refuses us.
  await ensureDurable(nc, subjects);
  let stopped = false;
  let reader: BatchReader | null = null;

  // One reading session at a time, from the checkpoint; any failure ends it, and the next one starts
  // from wherever the checkpoint then is. A stream recreated after NATS lost it has neither the
  // durable nor the old numbering, so each session ensures the one and asks about the other.
  const session = async (): Promise<void> => {
    const ackPolicy = await ensureDurable(nc, subjects);
    const { created } = await jsm.streams.info(stream);
    const from = (await hooks.checkpoint(created)) + 1;
    // The durable lives in NATS: what it has acked was applied and announced, even if Redis has
    // lost it since (then the checkpoint is behind it and those results are applied again).
    const announcedThrough = (await jsm.consumers.info(stream, DURABLE_NAME)).ack_floor.stream_seq;
    const mirror = new ProgressMirror(from - 1, ackPolicy === AckPolicy.All);
    const mirrored = await (await nc.jetstream().consumers.get(stream, DURABLE_NAME)).consume({ max_messages: MAX_BATCH, callback: (m) => mirror.offer(m) });
    try {
      // The last sequence handed to the store (applied, or to be applied before the next batch).
      let handedThrough = from - 1;
      const decode = (m: JsMsg) => ({ ...toItem(m, log), pending: m.info.pending });
      reader = readInBatches(nc, stream, { from, created }, decode, async (items) => {
        const appliedThrough = handedThrough;
        handedThrough = Math.max(handedThrough, ...items.map((item) => item.seq ?? 0));
        let outcome: BatchOutcome;
        try {
          outcome = await hooks.apply(items, appliedThrough, announcedThrough);
        } catch (err) {
          for (let i = 0; i < items.length; i++) hooks.onOutcome('failed');
          throw err;
        }
        mirror.set(outcome.checkpoint);
        for (const o of outcome.outcomes) hooks.onOutcome(o);
        hooks.onPending(items.at(-1)?.pending ?? 0);
      });
      if (stopped) reader.stop();
      await reader.done;
    } finally {
      mirrored.stop();
    }
  };

  const applying = (async () => {
    while (!stopped) {
      try {
        await session();
      } catch (err) {
        if (stopped) break;
        const e = asSurfingerError(err);
        // Redis or NATS having lost data is not our bug; the log says what happened and we go on.
        const level = e.code === RankingErrorCodes.CHECKPOINT_BEHIND || e.code === RankingErrorCodes.STREAM_RECREATED ? 'warn' : 'error';
        log[level]({ err: e, code: e.code }, 'reading or applying results failed; re-reading from the checkpoint');
        await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
      }
    }
  })();

  return {
    async pending() {
      const info = await jsm.consumers.info(stream, DURABLE_NAME);
      return info.num_pending + info.num_ack_pending;
    },
    async stop() {
      stopped = true;
      reader?.stop();
      await applying;
    },
  };
}
