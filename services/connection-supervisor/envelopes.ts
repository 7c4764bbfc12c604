import { BlockActions, EventCallback, SlashCommand, type SlackRouter } from '../common/slack-routing.ts';
import type { Envelope } from './team-socket.ts';

/** What the envelope routing needs of the Slack router. */
export type EnvelopeRouter = Pick<SlackRouter, 'event' | 'command' | 'interaction' | 'firstDelivery'>;

/**
 * Every envelope is answered within Slack's 3 s (router budget 2.5 s):
 * 1. events: acked only once the router handed the event on (or knows nobody wants it); a
 *    failed handoff is retried by `handOn` past the ack window (hand-on.ts) and stays unacked
 *    meanwhile, so Slack redelivers it too (another connection, or after we died);
 * 2. commands: acked with their answer (the router always produces one, "unavailable" included);
 * 3. clicks: acked at once, their effects arrive as messages (Slack ignores the ack's payload).
 * `count` records the outcome (the envelopes metric).
 */
export async function routeEnvelope(
  envelope: Envelope,
  router: EnvelopeRouter,
  count: (outcome: string) => void,
  handOn: <T>(work: () => Promise<T>) => Promise<T> = (work) => work(),
): Promise<void> {
  const ack = (response?: Record<string, unknown>) => envelope.ack(response).catch(() => undefined);
  if (envelope.type === 'events_api') {
    const parsed = EventCallback.safeParse(envelope.body);
    if (!parsed.success) {
      await ack();
      return count('malformed');
    }
    const outcome = await handOn(() => router.event(parsed.data));
    await ack();
    return count(outcome);
  }
  if (envelope.type === 'slash_commands' || envelope.type === 'interactive') {
    // A redelivered envelope (retry_attempt > 0 after a lost ack) must not run a command twice.
    if (!(await router.firstDelivery(`envelope:${envelope.envelopeId}`))) {
      await ack();
      return count('duplicate');
    }
    if (envelope.type === 'slash_commands') {
      const parsed = SlashCommand.safeParse(envelope.body);
      if (!parsed.success) {
        await ack();
        return count('malformed');
      }
      await ack({ ...(await router.command(parsed.data)) });
      return count('forwarded');
    }
    await ack();
    const parsed = BlockActions.safeParse(envelope.body);
    if (!parsed.success) return count('ignored');
    await router.interaction(parsed.data);
    return count('forwarded');
  }
  await ack();
  count('ignored');
}
