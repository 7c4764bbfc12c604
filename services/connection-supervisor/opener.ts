import { asSurfingerError } from '../../protocol/index.ts';
import type { Logger } from '../common/logger.ts';
import { backoffMs, type BackoffConfig } from './backoff.ts';
import { SupervisorErrorCodes } from './errors.ts';
import type { TeamSocket } from './team-socket.ts';

/**
 * Opens in flight per replica. A slot is refilled as soon as an open finishes, so the open rate
 * follows how fast opens complete (not the reconcile tick); the bound keeps a burst of thousands of
 * opens (a replica's teams after a failover, a cold start) from starving our own event loop, whose
 * heartbeat must stay on time.
 *
 * Slack: apps.connections.open is Tier 1, counted per app token. In `workspace-apps` mode every team
 * has its own app token, so each team's limit is spent only by its own opens; in `socket` mode at
 * most 10 connections share one token. Either way opens are one at a time per unit, retried after
 * failures with backoff (backoff.ts), and the SDK's WebClient honours a 429's Retry-After.
 */
export const MAX_OPENING = 64;

export interface Held {
  socket: TeamSocket;
  openedAt: number;
  /** When we learned another replica owns this unit; we close after the handover overlap. */
  leavingSince: number | null;
}

export interface OpenerDeps {
  log: Logger;
  backoff: BackoffConfig;
  random: () => number;
  /** False once stopping, or when another replica owns the unit (checked again after the connect). */
  owns(unit: string): boolean;
  stopping(): boolean;
  appTokenOf(unit: string): Promise<string | undefined>;
  /** A socket for the unit, not yet open (service.ts wires its envelopes and reconnects). */
  socketFor(unit: string, appToken: string, log: Logger): TeamSocket;
  /** The number of held sockets changed (the gauge). */
  onHeld(size: number): void;
}

/** The open queue and the held sockets: what a replica has open, opening, or waits to open. */
export class UnitOpener {
  readonly held = new Map<string, Held>();
  /** Units whose last open failed: not retried by reconcile before this time (a TeamActive retries at once). */
  readonly failedUntil = new Map<string, { until: number; attempt: number }>();
  private readonly opening = new Set<string>();
  /** Owned units waiting for an opening slot, oldest first. */
  private readonly waiting = new Set<string>();

  constructor(private readonly deps: OpenerDeps) {}

  /** Queues an open of `unit` and starts it if a slot is free. */
  want(unit: string): void {
    if (this.held.has(unit) || this.opening.has(unit)) return;
    this.waiting.add(unit);
    this.fillSlots();
  }

  /** A unit that is gone (team removed): no open waits for it and its failures are forgotten. */
  forget(unit: string): void {
    this.waiting.delete(unit);
    this.failedUntil.delete(unit);
  }

  /** No queued open starts any more (stopping). */
  clearWaiting(): void {
    this.waiting.clear();
  }

  async close(unit: string, why: 'handoff' | 'removed' | 'stop'): Promise<void> {
    const h = this.held.get(unit);
    if (!h) return;
    this.held.delete(unit);
    this.deps.onHeld(this.held.size);
    await h.socket.close();
    this.deps.log.info({ unit, why }, 'socket closed');
  }

  /** Starts waiting opens while fewer than MAX_OPENING are in flight; every finished open calls it again. */
  private fillSlots(): void {
    for (const unit of this.waiting) {
      if (this.opening.size >= MAX_OPENING || this.deps.stopping()) return;
      this.waiting.delete(unit);
      if (this.deps.owns(unit)) void this.open(unit);
    }
  }

  private async open(unit: string): Promise<void> {
    if (this.held.has(unit) || this.opening.has(unit) || this.deps.stopping()) return;
    this.opening.add(unit);
    const ulog = this.deps.log.child({ unit });
    try {
      const appToken = await this.deps.appTokenOf(unit);
      if (!appToken) {
        ulog.warn({ code: SupervisorErrorCodes.NO_APP_TOKEN }, 'no app token for this unit; its events cannot arrive');
        this.noteFailure(unit);
        return;
      }
      const socket = this.deps.socketFor(unit, appToken, ulog);
      await socket.open();
      if (!this.deps.owns(unit)) {
        await socket.close();
        return;
      }
      this.held.set(unit, { socket, openedAt: Date.now(), leavingSince: null });
      this.failedUntil.delete(unit);
      this.deps.onHeld(this.held.size);
      ulog.info('socket opened');
    } catch (err) {
      const e = asSurfingerError(err, SupervisorErrorCodes.CONNECT);
      ulog.warn({ code: SupervisorErrorCodes.CONNECT, reason: e.message }, 'socket open failed');
      this.noteFailure(unit);
    } finally {
      this.opening.delete(unit);
      this.fillSlots();
    }
  }

  private noteFailure(unit: string): void {
    const attempt = (this.failedUntil.get(unit)?.attempt ?? 0) + 1;
    this.failedUntil.set(unit, { attempt, until: Date.now() + backoffMs(attempt, this.deps.random, this.deps.backoff) });
  }
}
