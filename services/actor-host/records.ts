import { z } from 'zod';
import { Blocks, GameEvent, msgpackCodec, ResultMessage } from '../../protocol/index.ts';

/**
 * What the actor host keeps in JetStream KV (docs/runtime.md explains each record's role).
 * They are storage, not messages, so they carry no `type`; they still go through protocol's
 * validating msgpack codec so a corrupt record is a coded error, never a crash.
 */

/** `members` bucket, key = hostId. Alive while `expiresAt` is in the future. */
export const MemberRecord = z.object({
  hostId: z.string().max(128),
  /** Random per process start: a restarted host with the same id does not inherit old leases. */
  incarnation: z.string().max(64),
  expiresAt: z.number(),
  draining: z.boolean(),
});
export type MemberRecord = z.infer<typeof MemberRecord>;

/**
 * `leases` bucket, key = `team.channel`: who owns the actor. Valid only while the owner's
 * membership (same incarnation) lives. `hostId: null` = released. `busy` = a game is running or
 * effects are still pending, so the actor must be re-activated if its owner goes away.
 */
export const LeaseRecord = z.object({
  hostId: z.string().max(128).nullable(),
  incarnation: z.string().max(64).nullable(),
  busy: z.boolean(),
  at: z.number(),
});
export type LeaseRecord = z.infer<typeof LeaseRecord>;

/** An effect committed with the step that produced it and not yet confirmed done (transactional outbox). */
export const OutboxEntry = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('log'), id: z.number().int(), record: GameEvent }),
  z.object({
    kind: z.literal('egress'),
    id: z.number().int(),
    op: z.enum(['post', 'update', 'ephemeral']),
    /** `post`/`update`: the actor's name for the message (its Slack ts is kept in `handles`). */
    key: z.string().max(200).nullable(),
    text: z.string().max(40_000),
    blocks: Blocks.optional(),
    user: z.string().max(64).optional(),
    idempotencyKey: z.string().max(200),
  }),
  z.object({ kind: z.literal('publish'), id: z.number().int(), result: ResultMessage }),
]);
export type OutboxEntry = z.infer<typeof OutboxEntry>;

/** `snapshots` bucket, key = `team.channel`. Written with CAS on its revision (the fence). */
export const SnapshotRecord = z.object({
  v: z.literal(1),
  owner: z.object({ hostId: z.string().max(128), incarnation: z.string().max(64) }),
  /** Incremented by every write; lets a writer recognise its own write after an unanswered CAS. */
  commit: z.number().int().nonnegative(),
  state: z.unknown(),
  /** Effect key → Slack ts of the posted message, for later `update`s. */
  handles: z.record(z.string(), z.string()),
  outbox: z.array(OutboxEntry),
  /** Next effect id (idempotency keys are built from it, so they are stable across failover). */
  fx: z.number().int().nonnegative(),
  /** Event-log cursor of the current game. */
  log: z.object({ gameId: z.string().max(128), seq: z.number().int().nonnegative() }).nullable(),
  savedAt: z.number(),
});
export type SnapshotRecord = z.infer<typeof SnapshotRecord>;

export const recordCodecs = {
  member: msgpackCodec(MemberRecord),
  lease: msgpackCodec(LeaseRecord),
  snapshot: msgpackCodec(SnapshotRecord),
} as const;

/** KV key of a channel's actor; Slack ids never contain `.`. */
export function actorKey(team: string, channel: string): string {
  return `${team}.${channel}`;
}

export function parseActorKey(key: string): { team: string; channel: string } | null {
  if (tournamentIdOf(key) !== null) return null;
  const [team, channel, ...rest] = key.split('.');
  return team && channel && rest.length === 0 ? { team, channel } : null;
}

/**
 * KV key (lease and snapshot) of a tournament actor. It shares the buckets with channel actors so
 * the same lease, fencing and orphan scan apply; the lowercase first token can never be a Slack
 * team id, so the two kinds never collide.
 */
const TOURNAMENT_KEY = 'tournament';
export function tournamentKey(id: string): string {
  return `${TOURNAMENT_KEY}.${id}`;
}

export function tournamentIdOf(key: string): string | null {
  const [kind, id, ...rest] = key.split('.');
  return kind === TOURNAMENT_KEY && id && rest.length === 0 ? id : null;
}

/** Snapshot keys of every tournament (for `list`). */
export const TOURNAMENT_KEYS = `${TOURNAMENT_KEY}.*`;
