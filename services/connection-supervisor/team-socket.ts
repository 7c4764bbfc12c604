import { SocketModeClient } from '@slack/socket-mode';
import type { Logger } from '../common/logger.ts';
import { slackSdkLogger } from '../common/slack-sdk.ts';
import { backoffMs, type BackoffConfig } from './backoff.ts';
import { ConnectionDispatcher } from './connection-dispatcher.ts';
import { routeFrames } from './frame-routing.ts';

/** One Socket Mode envelope, as the supervisor sees it. */
export interface Envelope {
  type: string;
  envelopeId: string;
  body: unknown;
  retryAttempt: number | undefined;
  ack(response?: Record<string, unknown>): Promise<void>;
}

export interface TeamSocketOptions {
  /** What this connection serves, for logs: a team (workspace-apps) or a slot (socket mode). */
  unit: string;
  appToken: string;
  slackApiUrl: string;
  log: Logger;
  backoff: BackoffConfig;
  random: () => number;
  onEnvelope(envelope: Envelope): void;
  /** Called after a dropped connection was re-established (not for refresh handovers). */
  onReconnect(): void;
}

interface Conn {
  client: SocketModeClient;
  dispatcher: ConnectionDispatcher;
  alive: boolean;
}

const OPEN_TIMEOUT_MS = 10_000;

/** Said once per process: every connection after the first would say the same. */
let warnedUnrouted = false;

/** `disconnect` reasons after which Slack wants a new connection, and lets the old one live briefly. */
const REFRESH_REASONS = new Set(['refresh_requested', 'warning']);

/**
 * One Socket Mode connection (a team's, or one slot of the deployment's app) with our own lifecycle on top of `@slack/socket-mode`:
 *
 * 1. The SDK's auto-reconnect is off. On its own it handles `disconnect` by closing first and
 *    reconnecting after `clientPingTimeout × failures` ms (5 s by default), a window in which events
 *    have nowhere to go. We intercept `ws_message`: for `refresh_requested`/`warning` we open the
 *    replacement, wait for its `hello`, and only then close the old connection (make-before-break;
 *    the game recognises anything delivered on both).
 * 2. Any other drop reconnects with exponential backoff + full jitter (backoff.ts).
 * 3. `close()` is final: no reconnect follows.
 */
export class TeamSocket {
  private current: Conn | null = null;
  private closing = false;
  private replacing = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: TeamSocketOptions) {}

  get connected(): boolean {
    return this.current?.alive ?? false;
  }

  async open(): Promise<void> {
    this.current = await this.connect();
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    const conn = this.current;
    this.current = null;
    if (conn) await retire(conn);
  }

  private async connect(): Promise<Conn> {
    const dispatcher = new ConnectionDispatcher();
    const client = new SocketModeClient({
      appToken: this.o.appToken,
      autoReconnectEnabled: false,
      logger: slackSdkLogger(this.o.log),
      dispatcher,
      clientOptions: {
        slackApiUrl: this.o.slackApiUrl,
        // apps.connections.open: a couple of quick retries; longer outages are our backoff's job.
        retryConfig: { retries: 2, factor: 2, minTimeout: 100, maxTimeout: 1_000 },
        // Given, so the SDK does not send API calls through the connection's own dispatcher.
        fetch: globalThis.fetch,
      },
    });
    const conn: Conn = { client, dispatcher, alive: false };
    const sdkHandlers = client.listeners('ws_message') as Array<(data: unknown, isBinary: boolean) => void>;
    client.removeAllListeners('ws_message');
    client.on('ws_message', (data: unknown, isBinary: boolean) => {
      if (!isBinary && refreshRequested(data)) {
        void this.replace(conn);
        return;
      }
      for (const handler of sdkHandlers) handler.call(client, data, isBinary);
    });
    client.on('slack_event', (e: { ack: Envelope['ack']; envelope_id: string; type: string; body: unknown; retry_num?: number }) => {
      this.o.onEnvelope({ type: e.type, envelopeId: e.envelope_id, body: e.body, retryAttempt: e.retry_num, ack: e.ack });
    });
    // An open that never gets its `hello` would hold one of the supervisor's few opening slots
    // forever (seen at thousands of teams): bound it, and let the caller's backoff retry.
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.start(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no hello within ${OPEN_TIMEOUT_MS} ms`)), OPEN_TIMEOUT_MS);
        }),
      ]);
    } catch (err) {
      await client.disconnect().catch(() => undefined);
      dispatcher.destroy();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    conn.alive = true;
    if (!routeFrames(client) && !warnedUnrouted) {
      warnedUnrouted = true;
      this.o.log.warn({ sdk: 'slack' }, '@slack/socket-mode changed shape: ping/pong frames fan out to every socket (CPU grows with sockets²)');
    }
    client.on('disconnected', () => {
      conn.alive = false;
      dispatcher.destroy();
      if (conn === this.current) this.dropped();
    });
    return conn;
  }

  private async replace(old: Conn): Promise<void> {
    if (this.replacing || this.closing || old !== this.current) return;
    this.replacing = true;
    try {
      const fresh = await this.connect();
      if (this.closing) {
        await retire(fresh);
        return;
      }
      this.current = fresh;
      this.o.log.debug({ unit: this.o.unit }, 'socket refreshed (new connection up before closing the old)');
      await retire(old);
    } catch (err) {
      this.o.log.warn({ unit: this.o.unit, reason: (err as Error).message }, 'replacement socket failed');
      if (!old.alive && old === this.current) this.dropped();
    } finally {
      this.replacing = false;
    }
  }

  private dropped(): void {
    if (this.closing || this.replacing) return;
    this.attempt += 1;
    const delay = backoffMs(this.attempt, this.o.random, this.o.backoff);
    this.o.log.info({ unit: this.o.unit, attempt: this.attempt, delay }, 'socket dropped; reconnecting');
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.connect()
        .then((conn) => {
          if (this.closing) return retire(conn);
          this.current = conn;
          this.attempt = 0;
          this.o.onReconnect();
          return undefined;
        })
        .catch((err: unknown) => {
          this.o.log.warn({ unit: this.o.unit, reason: (err as Error).message }, 'reconnect failed');
          this.dropped();
        });
    }, delay);
  }
}

/** Closes a connection we no longer want; its `disconnected` event then finds it is not current. */
async function retire(conn: Conn): Promise<void> {
  conn.alive = false;
  await Promise.race([conn.client.disconnect(), new Promise((r) => setTimeout(r, 2_000).unref())]);
  // A peer that never answered the close frame: cut the socket rather than wait on TCP.
  conn.dispatcher.destroy();
}

function refreshRequested(data: unknown): boolean {
  const text = typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('utf8') : data instanceof ArrayBuffer ? Buffer.from(data).toString('utf8') : '';
  if (!text.includes('"disconnect"')) return false;
  try {
    const msg = JSON.parse(text) as { type?: unknown; reason?: unknown };
    return msg.type === 'disconnect' && typeof msg.reason === 'string' && REFRESH_REASONS.has(msg.reason);
  } catch {
    return false;
  }
}
