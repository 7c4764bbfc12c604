import { t } from '../../actors/i18n/index.ts';
import { KOK_JOIN_ACTION, mention } from '../../actors/render.ts';
import type { Lang } from '../../protocol/messages.ts';
import type { ChannelMessage } from './driver.ts';

/**
 * Reading a channel the way a player does: the prompt is the `prompt…` block exactly as shown
 * (markers included), a round is over when its result table appears, a multi-round game when its
 * totals appear, and King of the Keyboard opens with a join button. Pure, so the bot loop is just polling plus these functions.
 */
export type ChannelEvent =
  | { kind: 'prompt'; ts: string; shown: string }
  | { kind: 'results'; ts: string; body: string }
  | { kind: 'totals'; ts: string }
  /** King of the Keyboard's join phase: a button every player presses. */
  | { kind: 'join'; ts: string; actionId: string; value: string };

/** Slack ts ("1700000000.000100") as milliseconds. */
export function tsMillis(ts: string): number {
  return Math.round(Number(ts) * 1000);
}

function eventOf(message: ChannelMessage): ChannelEvent | null {
  for (const block of message.blocks ?? []) {
    const id = block.block_id ?? '';
    if (id.startsWith('prompt') && block.text) return { kind: 'prompt', ts: message.ts, shown: block.text.text };
    if (id === 'results' && block.text) return { kind: 'results', ts: message.ts, body: block.text.text };
    if (id === 'totals') return { kind: 'totals', ts: message.ts };
    const button = block.elements?.find((e) => e.action_id === KOK_JOIN_ACTION);
    if (button) return { kind: 'join', ts: message.ts, actionId: KOK_JOIN_ACTION, value: String(button.value ?? '') };
  }
  return null;
}

/**
 * Game events among bot posts whose ts is not in `seen`, oldest first; adds them to `seen`, so a
 * prompt edited by the live "N answered" line is not new. Before a game the caller puts every
 * existing ts in `seen` (history, not clocks, separates games: the sandbox may run elsewhere).
 */
export function newEvents(messages: readonly ChannelMessage[], seen: Set<string>): ChannelEvent[] {
  const out: ChannelEvent[] = [];
  for (const message of messages) {
    if (message.bot_id === undefined || message.ephemeral_to !== undefined || seen.has(message.ts)) continue;
    const event = eventOf(message);
    if (event === null) continue;
    seen.add(message.ts);
    out.push(event);
  }
  return out.sort((a, b) => Number(a.ts) - Number(b.ts));
}

/** Whether the result table lists `user` as pasted-and-not-scored, in either language. */
export function listedAsPasted(body: string, user: string): boolean {
  return (['ko', 'en'] as const satisfies readonly Lang[]).some((lang) => body.includes(t(lang, 'resultPasted', { user: mention(user) })));
}
