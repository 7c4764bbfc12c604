import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes, randomUUID } from 'node:crypto';
import { WebSocketServer, WebSocket } from 'ws';
import type { Logger } from '../common/logger.ts';

/**
 * Socket Mode as Slack runs it (https://api.slack.com/apis/socket-mode):
 *  1. apps.connections.open hands out a single-use ticket URL; connecting to it gets `hello`.
 *  2. Envelopes carry `envelope_id`, `payload`, `type`, `accepts_response_payload`; the app acks
 *     with `{"envelope_id", "payload"?}` within 3 s.
 *  3. Unacked `events_api` envelopes are retried (retry_attempt 1..3, retry_reason "timeout");
 *     slash commands and interactivity are not retried: the user sees a timeout instead.
 *  4. The server pings; the SDK client closes a link that stays silent for 30 s. Client pings are
 *     answered by `ws` automatically.
 *  5. `disconnect` warns (`warning`), asks to reconnect (`refresh_requested`, link closed shortly
 *     after) or ends the link (`link_disabled`).
 */

export type EnvelopeType = 'events_api' | 'slash_commands' | 'interactive';
export type DisconnectReason = 'refresh_requested' | 'warning' | 'link_disabled';

export interface Envelope {
  envelope_id: string;
  type: EnvelopeType;
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  retry_attempt: number;
  retry_reason: string;
}

export interface SocketHubOptions {
  appId: string;
  logger: Logger;
  /** How long an envelope may stay unacked before it is retried or given up (Slack: 3 s). */
  ackTimeoutMs: number;
  /** Retries for unacked events_api envelopes (Slack: 3). */
  maxRetries: number;
  pingIntervalMs: number;
  /** Delay between `refresh_requested` and closing the link. */
  refreshCloseDelayMs: number;
  onAck(teamId: string, envelope: Envelope, payload: Record<string, unknown> | undefined): void;
  onGiveUp(teamId: string, envelope: Envelope): void;
}

interface Link {
  ws: WebSocket;
  teamId: string;
  alive: boolean;
  pinger: NodeJS.Timeout;
}

interface Pending {
  teamId: string;
  envelope: Envelope;
  timer: NodeJS.Timeout;
}

const TICKET_TTL_MS = 60_000;

export class SocketHub {
  readonly #opts: SocketHubOptions;
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 1_000_000 });
  readonly #tickets = new Map<string, { teamId: string; expiresAt: number }>();
  readonly #links = new Map<string, Set<Link>>();
  readonly #pending = new Map<string, Pending>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #nextLink = 0;

  constructor(opts: SocketHubOptions) {
    this.#opts = opts;
  }

  issueTicket(teamId: string, nowMs = Date.now()): string {
    for (const [ticket, t] of this.#tickets) if (t.expiresAt < nowMs) this.#tickets.delete(ticket);
    const ticket = randomBytes(16).toString('hex');
    this.#tickets.set(ticket, { teamId, expiresAt: nowMs + TICKET_TTL_MS });
    return ticket;
  }

  /** Completes a websocket upgrade for `/socket/<ticket>`; unknown or used tickets get 401. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ticket: string): void {
    const entry = this.#tickets.get(ticket);
    this.#tickets.delete(ticket);
    if (!entry || entry.expiresAt < Date.now()) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#attach(ws, entry.teamId));
  }

  #attach(ws: WebSocket, teamId: string): void {
    const links = this.#links.get(teamId) ?? new Set<Link>();
    this.#links.set(teamId, links);
    const link: Link = {
      ws,
      teamId,
      alive: true,
      pinger: setInterval(() => {
        if (!link.alive) {
          ws.terminate();
          return;
        }
        link.alive = false;
        ws.ping();
      }, this.#opts.pingIntervalMs),
    };
    links.add(link);
    ws.on('pong', () => {
      link.alive = true;
    });
    ws.on('message', (data, isBinary) => this.#onMessage(link, data.toString(), isBinary));
    ws.on('error', (err) => this.#opts.logger.warn({ team: teamId, err: err.message }, 'socket error'));
    ws.on('close', () => {
      clearInterval(link.pinger);
      links.delete(link);
      if (links.size === 0) this.#links.delete(teamId);
      this.#opts.logger.debug({ team: teamId, open: links.size }, 'socket closed');
    });
    this.#nextLink += 1;
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: links.size,
        debug_info: { host: 'applink-sandbox', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.#opts.appId },
      }),
    );
    this.#opts.logger.info({ team: teamId, open: links.size }, 'socket connected');
  }

  #onMessage(link: Link, text: string, isBinary: boolean): void {
    let message: unknown;
    try {
      message = isBinary ? undefined : JSON.parse(text);
    } catch {
      message = undefined;
    }
    const envelopeId = typeof message === 'object' && message !== null ? (message as { envelope_id?: unknown }).envelope_id : undefined;
    if (typeof envelopeId !== 'string') {
      this.#opts.logger.warn({ team: link.teamId, bytes: text.length }, 'socket message is not an ack; ignored');
      return;
    }
    const pending = this.#pending.get(envelopeId);
    if (!pending || pending.teamId !== link.teamId) {
      this.#opts.logger.debug({ team: link.teamId, envelopeId }, 'ack for unknown or settled envelope');
      return;
    }
    clearTimeout(pending.timer);
    this.#pending.delete(envelopeId);
    const payload = (message as { payload?: unknown }).payload;
    this.#opts.onAck(link.teamId, pending.envelope, typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as Record<string, unknown>) : undefined);
  }

  /** Sends an envelope to one of the team's open links; undefined when the team has none. */
  deliver(teamId: string, type: EnvelopeType, payload: Record<string, unknown>): Envelope | undefined {
    const envelope: Envelope = {
      envelope_id: randomUUID(),
      type,
      payload,
      // Slack lets slash commands answer in the ack; block_actions and events cannot.
      accepts_response_payload: type === 'slash_commands',
      retry_attempt: 0,
      retry_reason: '',
    };
    return this.#send(teamId, envelope) ? envelope : undefined;
  }

  #send(teamId: string, envelope: Envelope): boolean {
    const open = [...(this.#links.get(teamId) ?? [])].filter((l) => l.ws.readyState === WebSocket.OPEN);
    // Slack spreads envelopes over an app's links; rotating is a deterministic stand-in.
    const link = open[(this.#nextLink + envelope.retry_attempt) % Math.max(1, open.length)];
    if (!link) return false;
    link.ws.send(JSON.stringify(envelope));
    const timer = setTimeout(() => this.#onTimeout(teamId, envelope.envelope_id), this.#opts.ackTimeoutMs);
    this.#pending.set(envelope.envelope_id, { teamId, envelope, timer });
    return true;
  }

  #onTimeout(teamId: string, envelopeId: string): void {
    const pending = this.#pending.get(envelopeId);
    if (!pending) return;
    this.#pending.delete(envelopeId);
    const { envelope } = pending;
    if (envelope.type === 'events_api' && envelope.retry_attempt < this.#opts.maxRetries) {
      const retry = { ...envelope, retry_attempt: envelope.retry_attempt + 1, retry_reason: 'timeout' };
      this.#opts.logger.info({ team: teamId, envelopeId, attempt: retry.retry_attempt }, 'envelope unacked; retrying');
      if (this.#send(teamId, retry)) return;
    }
    this.#opts.logger.warn({ team: teamId, envelopeId, type: envelope.type }, 'envelope never acked');
    this.#opts.onGiveUp(teamId, envelope);
  }

  /** Sends `disconnect` to every link of the team; returns how many got it. */
  disconnect(teamId: string, reason: DisconnectReason): number {
    const links = [...(this.#links.get(teamId) ?? [])];
    for (const link of links) {
      link.ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-sandbox' } }));
      if (reason === 'warning') continue;
      const delay = reason === 'refresh_requested' ? this.#opts.refreshCloseDelayMs : 0;
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        link.ws.close(1001, reason);
      }, delay);
      this.#timers.add(timer);
    }
    return links.length;
  }

  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [teamId, links] of this.#links) counts[teamId] = links.size;
    return counts;
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    for (const pending of this.#pending.values()) clearTimeout(pending.timer);
    this.#pending.clear();
    const closing: Array<Promise<void>> = [];
    for (const links of this.#links.values()) {
      for (const link of links) {
        clearInterval(link.pinger);
        closing.push(new Promise((resolve) => link.ws.once('close', () => resolve())));
        link.ws.terminate();
      }
    }
    await Promise.all(closing);
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }
}
