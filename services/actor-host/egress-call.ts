import type { NatsConnection } from 'nats';
import { codecs, CommonErrorCodes, EgressErrorCodes, MessageTypes, SurfingerError, type EgressRequest, type Subjects } from '../../protocol/index.ts';
import { request } from '../common/nats.ts';

/**
 * How the actors an actor host runs (channel games, tournaments) reach Slack: through egress, on the
 * hosts' own kind (`egress.game.<team>.<channel>`), with one policy for retries and edits.
 */

/** Egress failures that retrying cannot fix: the post is dropped (logged), the actor goes on. */
export const PERMANENT_EGRESS = /^SF_ERR_EGRESS_(SLACK|INVALID|NOT_INSTALLED)$|^SF_ERR_PROTOCOL/;
/** A slow or absent egress must not hold an actor's later effects (results) forever. */
export const EGRESS_GIVE_UP_MS = 30_000;
/** An edit that cannot go within this gives way (SF_ERR_EGRESS_BUSY) instead of holding up what follows it. */
export const EDIT_MAX_WAIT_MS = 1_000;
/** Longest an actor with nothing but edits left sleeps before asking the budget again. */
export const MAX_EDIT_DEFER_MS = 5_000;

export type EgressCall = Omit<EgressRequest, 'type' | 'maxWaitMs'>;

/**
 * One Slack call. Edits carry `maxWaitMs`: when the budget is busy nothing is sent and it resolves
 * `{ busyForMs }`; any other refusal throws with egress's code.
 */
export async function callEgress(nc: NatsConnection, subjects: Subjects, call: EgressCall): Promise<{ ts?: string } | { busyForMs: number }> {
  const out = await request(
    nc,
    subjects.egress('game', call.team, call.channel),
    codecs.egressRequest,
    { type: MessageTypes.egressRequest, ...call, ...(call.op === 'update' ? { maxWaitMs: EDIT_MAX_WAIT_MS } : {}) },
    codecs.egressReply,
    10_000,
  );
  if (!out.ok && out.code === EgressErrorCodes.BUSY) return { busyForMs: out.retryAfterMs ?? EDIT_MAX_WAIT_MS };
  if (!out.ok) throw new SurfingerError(out.code ?? CommonErrorCodes.EGRESS, out.error ?? 'egress refused');
  return out.ts === undefined ? {} : { ts: out.ts };
}
