import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes, randomUUID } from 'node:crypto';
import { WebSocketServer, WebSocket } from 'ws';
import type { Logger } from '../common/logger.ts';
import { retryDelayMs, type RetryPolicy } from './retry-policy.ts';

/**
 * Socket Mode as Slack runs it (https://api.slack.com/apis/socket-mode). Links belong to an app,
 * not to a workspace: one app's links carry the envelopes of every team that installed it.
 *  1. apps.connections.open (app token) hands out a single-use ticket URL; connecting gets `hello`.
 *     An app holds at most 10 links; an 11th gets `disconnect` `too_many_websockets` and is closed.
 *  2. Each envelope goes to exactly one open link of the app (`envelope_id`, `payload`, `type`,
 *     `accepts_response_payload`); the payload names the team. The app acks with
 *     `{"envelope_id", "payload"?}` within 3 s, on whichever of its links it likes.
 *  3. An unacked `events_api` envelope is retried (retry_attempt 1..3, retry_reason "timeout"),
 *     preferably on another link, on Slack's backoff (`retry-policy.ts`); with no link open it is
 *     kept and tried again on the same schedule, then dropped. Slash commands and interactivity are
 *     never retried: the user sees a timeout instead.
 *  4. The server pings; the SDK client closes a link that stays silent for 30 s. Client pings are
 *     answered by `ws` automatically.
 *  5. `disconnect` warns (`warning`), asks to reconnect (`refresh_requested`, link closed shortly
 *     after) or ends the link (`link_disabled`, also sent when the app's Socket Mode is turned off).
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
  logger: Logger;
  retry: RetryPolicy;
  pingIntervalMs: number;
  /** Delay between `refresh_requested` and closing the link. */
  refreshCloseDelayMs: number;
  /** Whether the app still takes envelopes (Socket Mode on); a retry for one that doesn't is dropped. */
  socketMode(appId: string): boolean;
  onAck(appId: string, envelope: Envelope, payload: Record<string, unknown> | undefined): void;
  onGiveUp(appId: string, envelope: Envelope): void;
}

interface Link {
  id: number;
  ws: WebSocket;
  appId: string;
  alive: boolean;
  pinger: NodeJS.Timeout;
}

interface Pending {
  appId: string;
  envelope: Envelope;
  /** The link the last attempt went to (none while the app had no link open). */
  linkId: number | undefined;
  timer: NodeJS.Timeout;
}

/** What happened to a delivered envelope: sent on a link, or (events only) kept for a retry. */
export type Delivery = { envelope: Envelope; via: 'socket' | 'queued' };

const TICKET_TTL_MS = 60_000;
/** Slack: "up to 10 simultaneous connections" per app. */
export const MAX_LINKS_PER_APP = 10;

export class SocketHub {
  readonly #opts: SocketHubOptions;
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 1_000_000 });
  readonly #tickets = new Map<string, { appId: string; expiresAt: number }>();
  readonly #links = new Map<string, Link[]>();
  readonly #pending = new Map<string, Pending>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #turn = new Map<string, number>();
  #nextLinkId = 0;

  constructor(opts: SocketHubOptions) {
    this.#opts = opts;
  }

  issueTicket(appId: string, nowMs = Date.now()): string {
    for (const [ticket, t] of this.#tickets) if (t.expiresAt < nowMs) this.#tickets.delete(ticket);
    const ticket = randomBytes(16).toString('hex');
    this.#tickets.set(ticket, { appId, expiresAt: nowMs + TICKET_TTL_MS });
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
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#attach(ws, entry.appId));
  }

  #open(appId: string): Link[] {
    return (this.#links.get(appId) ?? []).filter((l) => l.ws.readyState === WebSocket.OPEN);
  }

  #attach(ws: WebSocket, appId: string): void {
    const links = this.#links.get(appId) ?? [];
    if (links.length >= MAX_LINKS_PER_APP) {
      // What Slack tells a client over the limit; the SDK backs off and tries again.
      ws.send(JSON.stringify({ type: 'disconnect', reason: 'too_many_websockets', debug_info: { host: 'applink-sandbox' } }));
      ws.close(1008, 'too_many_websockets');
      this.#opts.logger.warn({ app: appId, open: links.length }, 'socket refused: too many links for the app');
      return;
    }
    this.#links.set(appId, links);
    const link: Link = {
      id: ++this.#nextLinkId,
      ws,
      appId,
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
    links.push(link);
    ws.on('pong', () => {
      link.alive = true;
    });
    ws.on('message', (data, isBinary) => this.#onMessage(link, data.toString(), isBinary));
    ws.on('error', (err) => this.#opts.logger.warn({ app: appId, err: err.message }, 'socket error'));
    ws.on('close', () => {
      clearInterval(link.pinger);
      const rest = (this.#links.get(appId) ?? []).filter((l) => l !== link);
      if (rest.length === 0) this.#links.delete(appId);
      else this.#links.set(appId, rest);
      this.#opts.logger.debug({ app: appId, open: rest.length }, 'socket closed');
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: links.length,
        debug_info: { host: 'applink-sandbox', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: appId },
      }),
    );
    this.#opts.logger.info({ app: appId, open: links.length }, 'socket connected');
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
      this.#opts.logger.warn({ app: link.appId, bytes: text.length }, 'socket message is not an ack; ignored');
      return;
    }
    const pending = this.#pending.get(envelopeId);
    // Any link of the app may ack: the envelope belongs to the app, not to the link it went out on.
    if (!pending || pending.appId !== link.appId) {
      this.#opts.logger.debug({ app: link.appId, envelopeId }, 'ack for unknown or settled envelope');
      return;
    }
    clearTimeout(pending.timer);
    this.#pending.delete(envelopeId);
    const payload = (message as { payload?: unknown }).payload;
    this.#opts.onAck(link.appId, pending.envelope, typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as Record<string, unknown>) : undefined);
  }

  /**
   * Sends an envelope to one open link of the app. Slash commands and interactivity need a link
   * now (undefined when there is none); events are kept and retried until one opens.
   */
  deliver(appId: string, type: EnvelopeType, payload: Record<string, unknown>): Delivery | undefined {
    const envelope: Envelope = {
      envelope_id: randomUUID(),
      type,
      payload,
      // Slack lets slash commands answer in the ack; block_actions and events cannot.
      accepts_response_payload: type === 'slash_commands',
      retry_attempt: 0,
      retry_reason: '',
    };
    const linkId = this.#send(appId, envelope, undefined);
    if (linkId === undefined && type !== 'events_api') return undefined;
    this.#await(appId, envelope, linkId);
    return { envelope, via: linkId === undefined ? 'queued' : 'socket' };
  }

  /** Writes the envelope to one open link, rotating, and avoiding `avoid` when another is open. */
  #send(appId: string, envelope: Envelope, avoid: number | undefined): number | undefined {
    const open = this.#open(appId);
    const choices = open.length > 1 ? open.filter((l) => l.id !== avoid) : open;
    if (choices.length === 0) return undefined;
    // Slack spreads envelopes over an app's links; rotating is a deterministic stand-in.
    const turn = this.#turn.get(appId) ?? 0;
    this.#turn.set(appId, turn + 1);
    const link = choices[turn % choices.length]!;
    link.ws.send(JSON.stringify(envelope));
    return link.id;
  }

  #await(appId: string, envelope: Envelope, linkId: number | undefined): void {
    // An attempt that found no link counts as one that timed out: the schedule stays Slack's.
    const timer = setTimeout(() => this.#onTimeout(envelope.envelope_id), this.#opts.retry.ackTimeoutMs);
    this.#pending.set(envelope.envelope_id, { appId, envelope, linkId, timer });
  }

  #onTimeout(envelopeId: string): void {
    const pending = this.#pending.get(envelopeId);
    if (!pending) return;
    this.#pending.delete(envelopeId);
    const { envelope, appId } = pending;
    const next = envelope.retry_attempt + 1;
    if (envelope.type === 'events_api' && next <= this.#opts.retry.maxRetries && this.#opts.socketMode(appId)) {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        const retry = { ...envelope, retry_attempt: next, retry_reason: 'timeout' };
        const linkId = this.#send(appId, retry, pending.linkId);
        this.#opts.logger.info({ app: appId, envelopeId, attempt: next, sent: linkId !== undefined }, 'envelope unacked; retrying');
        this.#await(appId, retry, linkId);
      }, retryDelayMs(this.#opts.retry, next));
      this.#timers.add(timer);
      return;
    }
    this.#opts.logger.warn({ app: appId, envelopeId, type: envelope.type }, 'envelope never acked');
    this.#opts.onGiveUp(appId, envelope);
  }

  /** Sends `disconnect` to every link of the app; returns how many got it. */
  disconnect(appId: string, reason: DisconnectReason): number {
    const links = [...(this.#links.get(appId) ?? [])];
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

  /** Open links per app id. */
  counts(): Map<string, number> {
    return new Map([...this.#links].map(([appId, links]) => [appId, links.length]));
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
