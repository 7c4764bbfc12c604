import type { KV, NatsConnection } from 'nats';
import { pack, type Subjects } from '../../protocol/index.ts';
import type { Logger } from '../common/logger.ts';
import { isLagging, lateMembers, nextMembers, type Ownership } from './ownership.ts';
import type { Heartbeat } from './sharding.ts';

/**
 * Supervisor membership over the `members` KV bucket: our heartbeat out, everyone's in. The rules
 * (who counts as live, when we lag) are ownership.ts's; this part only talks to NATS.
 *
 * Heartbeats arrive by a KV watch (pushed, no listing round trips) and are timed by when *we*
 * heard them, so clock skew between machines cannot kill or resurrect a member.
 */
export class SupervisorMembership {
  private readonly heard = new Map<string, number>();
  private lastBeat = 0;
  private readonly key: string;

  private constructor(
    private readonly deps: { nc: NatsConnection; subjects: Subjects; members: KV; ownership: Ownership; heartbeatMs: number; ttlMs: number; log: Logger },
    private readonly watcher: { stop(): void },
  ) {
    this.key = `supervisor.${deps.ownership.self}`;
  }

  static async start(deps: SupervisorMembership['deps']): Promise<SupervisorMembership> {
    const watcher = await deps.members.watch({ key: 'supervisor.*' });
    const membership = new SupervisorMembership(deps, watcher);
    void (async () => {
      for await (const entry of watcher) {
        const member = entry.key.slice('supervisor.'.length);
        if (entry.operation !== 'PUT' || entry.value.length === 0) membership.heard.delete(member);
        else membership.heard.set(member, Date.now());
      }
    })();
    return membership;
  }

  /** Beats once, then recomputes the member list (and with it, every unit's owner). */
  async heartbeat(): Promise<void> {
    const { ownership, heartbeatMs, ttlMs } = this.deps;
    const started = Date.now();
    const lagging = isLagging(this.lastBeat, started, heartbeatMs);
    this.lastBeat = started;
    await this.deps.members.put(this.key, pack({ id: ownership.self, at: started } satisfies Heartbeat));
    const beats: Heartbeat[] = [...this.heard].map(([member, at]) => ({ id: member, at }));
    const now = Date.now();
    const gone = await this.probe(lateMembers(beats, ownership.self, now, heartbeatMs, ttlMs));
    const next = nextMembers({ self: ownership.self, beats, gone, previous: ownership.live, heard: (m) => this.heard.has(m), lagging, now, ttlMs });
    if (ownership.setMembers(next)) this.deps.log.info({ members: next }, 'supervisor membership changed');
  }

  /**
   * A heartbeat a few periods late is ambiguous: a dead replica, or one stalled by load. Ask it:
   * NATS answers "no responders" at once when nobody is subscribed any more, which is definitive
   * proof of death (a SIGKILLed process loses its subscriptions with its connection). A timeout
   * only means "slow", so that replica keeps its teams until its heartbeat is memberTtlMs old.
   */
  private async probe(late: string[]): Promise<Set<string>> {
    const gone = new Set<string>();
    await Promise.all(
      late.map(async (member) => {
        try {
          await this.deps.nc.request(this.deps.subjects.supervisorState(member), new Uint8Array(), { timeout: this.deps.heartbeatMs });
        } catch (err) {
          if ((err as { code?: string }).code === '503') gone.add(member);
        }
      }),
    );
    return gone;
  }

  /** Leaves at once (graceful stop), so the others take our units without waiting for the TTL. */
  async leave(): Promise<void> {
    this.watcher.stop();
    await this.deps.members.delete(this.key).catch(() => undefined);
  }
}
