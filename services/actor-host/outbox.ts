import type { OutboxEntry } from './records.ts';

/**
 * Ordering rules of an actor's outbox, kept pure so they can be tested without a host.
 *
 * The outbox runs in order, one entry at a time, but message edits (`update`) are cosmetic steps
 * towards a final text: a countdown or a live "3 answered" line. Under Slack's per-workspace
 * chat.update budget (Tier 3, ~50 a minute for every channel of a team) fifty busy channels cannot
 * all edit every second, and an edit waiting its turn must not hold the round's results behind it.
 * So an edit that a newer edit of the same message follows is skipped, and an edit refused for a
 * busy budget steps back behind the game's other effects instead of blocking them.
 */

const isUpdate = (e: OutboxEntry, key: string): boolean => e.kind === 'egress' && e.op === 'update' && e.key === key;
const isPost = (e: OutboxEntry, key: string): boolean => e.kind === 'egress' && e.op === 'post' && e.key === key;

/**
 * True when the entry at `i` is an edit that a later edit of the same message replaces: only the
 * newest text matters. A re-post under the same key starts a new message, so an edit before it is
 * never superseded by an edit after it.
 */
export function superseded(pending: readonly OutboxEntry[], i: number): boolean {
  const entry = pending[i];
  if (entry?.kind !== 'egress' || entry.op !== 'update' || entry.key === null) return false;
  for (let j = i + 1; j < pending.length; j++) {
    if (isPost(pending[j]!, entry.key)) return false;
    if (isUpdate(pending[j]!, entry.key)) return true;
  }
  return false;
}

/**
 * Puts an edit refused for a busy budget (just taken off the head of `rest`) back in: behind the
 * game's other effects, but before a re-post of its own key so it still edits the message it was
 * meant for. `wait` is true when nothing else could go before it: then the pump waits for the budget
 * instead of asking again at once.
 */
export function deferEdit(rest: readonly OutboxEntry[], entry: OutboxEntry): { pending: OutboxEntry[]; wait: boolean } {
  const key = entry.kind === 'egress' ? entry.key : null;
  const repost = key === null ? -1 : rest.findIndex((e) => isPost(e, key));
  const at = repost < 0 ? rest.length : repost;
  const wait = !rest.slice(0, at).some((e) => !(e.kind === 'egress' && e.op === 'update'));
  return { pending: [...rest.slice(0, at), entry, ...rest.slice(at)], wait };
}
