import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from 'nats';
import { actorKey, recordCodecs } from './records.ts';
import { asSurfingerError, codecs, CommonErrorCodes, MessageTypes, PlacementErrorCodes, SurfingerError, type GameInbound, type Reply, type Subjects } from '../../protocol/index.ts';
import { request } from '../common/nats.ts';
import { ActorHostErrorCodes } from './errors.ts';
import { openBucket } from '../common/jetstream.ts';

/** Answers that mean "the actor is moving or starting": ask again shortly. */
const TRANSIENT = new Set<string>([
  CommonErrorCodes.NO_RESPONDERS,
  CommonErrorCodes.TIMEOUT,
  ActorHostErrorCodes.LEASE_LOST,
  ActorHostErrorCodes.DRAINING,
  // No room on that host, but another has: the actor left it and the next activation goes there.
  PlacementErrorCodes.HOST_FULL,
  ActorHostErrorCodes.ACTIVATION_FAILED,
]);

export interface SendOptions {
  /**
   * Commands and clicks activate the game's actor when it is not active. Plain chat does not
   * (a game-less channel must cost one no-responders round trip and nothing else) unless
   * `isRunning` says the channel has a game in progress whose actor is just moving hosts.
   */
  activate: boolean;
  isRunning?: (team: string, channel: string) => boolean;
  /** Per request; the whole call retries for at most `budgetMs`. */
  timeoutMs?: number;
  budgetMs?: number;
}

/**
 * Sends an inbound event to its channel-game actor, the caller side of placement:
 *
 * 1. Request the game subject. "No responders" means the actor is not active anywhere.
 * 2. If it may activate: request `activate` (one host of the queue group answers, possibly after
 *    forwarding to a less-loaded host), then go back to 1.
 * 3. Transient answers (actor moving, host draining or full, timeouts) are retried with backoff
 *    within the budget, so a failover or handoff is invisible to players. SF_ERR_CLUSTER_FULL (no
 *    host has room for a new game) is not: the caller tells the player to try again later.
 *
 * Returns the actor's reply, or null when the event was dropped because no game wanted it.
 */
export async function sendToGame(nc: NatsConnection, subjects: Subjects, msg: GameInbound, opts: SendOptions): Promise<Reply | null> {
  const timeoutMs = opts.timeoutMs ?? 2_000;
  const deadline = Date.now() + (opts.budgetMs ?? 8_000);
  const subject = subjects.game(msg.team, msg.channel);
  let last: SurfingerError | null = null;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    try {
      return await request(nc, subject, codecs.gameInbound, msg, codecs.reply, timeoutMs);
    } catch (err) {
      last = asSurfingerError(err);
      if (!TRANSIENT.has(last.code)) throw last;
    }
    if (last.code === CommonErrorCodes.NO_RESPONDERS) {
      const activate = opts.activate || (opts.isRunning?.(msg.team, msg.channel) ?? false);
      if (!activate) return null;
      try {
        await request(
          nc,
          subjects.activate(),
          codecs.activate,
          { type: MessageTypes.activate, team: msg.team, channel: msg.channel, reason: reasonOf(msg), hops: 0 },
          codecs.activated,
          timeoutMs,
        );
        continue;
      } catch (err) {
        last = asSurfingerError(err);
        if (!TRANSIENT.has(last.code)) throw last;
      }
    }
    await sleep(Math.min(500, 25 * 2 ** attempt));
  }
  throw new SurfingerError(ActorHostErrorCodes.ACTIVATION_FAILED, `could not reach the actor of ${msg.team}/${msg.channel}`, { cause: last });
}

function reasonOf(msg: GameInbound): 'command' | 'click' | 'message' {
  return msg.type === MessageTypes.gameCommand ? 'command' : msg.type === MessageTypes.gameClick ? 'click' : 'message';
}

export interface RunningGames {
  /** True while the channel's lease says a game is running (or its effects are pending). */
  has(team: string, channel: string): boolean;
  stop(): void;
}

/**
 * A live view of which channels have a game in progress, from a watch on the `leases` bucket
 * (changes only when games start, end or move, never per message). Pass `has` as
 * `sendToGame`'s `isRunning`, so chat that hits a game mid-failover activates it instead of
 * being dropped, while chat in game-less channels still costs nothing.
 */
export async function watchRunningGames(nc: NatsConnection, subjects: Subjects): Promise<RunningGames> {
  const kv = await openBucket(nc, subjects.buckets.leases);
  const busy = new Set<string>();
  let ready!: () => void;
  const initialized = new Promise<void>((r) => (ready = r));
  const iter = await kv.watch({ key: '>', initializedFn: () => ready() });
  void (async () => {
    for await (const entry of iter) {
      let running = false;
      if (entry.operation === 'PUT') {
        try {
          running = recordCodecs.lease.decode(entry.value).busy;
        } catch {
          running = false;
        }
      }
      if (running) busy.add(entry.key);
      else busy.delete(entry.key);
    }
  })();
  await initialized;
  return {
    has: (team, channel) => busy.has(actorKey(team, channel)),
    stop: () => iter.stop(),
  };
}

/**
 * The game door the Slack edges hand to `SlackRouter` (its `GameSender` seam): `sendToGame` with
 * the live running-games view, so ingress and the supervisor wire it the same way.
 */
export async function openGameDoor(nc: NatsConnection, subjects: Subjects): Promise<{ send(msg: GameInbound, opts: SendOptions): Promise<Reply | null>; stop(): void }> {
  const running = await watchRunningGames(nc, subjects);
  return {
    send: (msg, opts) => sendToGame(nc, subjects, msg, { ...opts, isRunning: (team, channel) => running.has(team, channel) }),
    stop: () => running.stop(),
  };
}
