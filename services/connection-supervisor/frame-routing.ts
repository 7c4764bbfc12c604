import { channel } from 'node:diagnostics_channel';
import type { SocketModeClient } from '@slack/socket-mode';

/**
 * Ping/pong frames reach their own connection in O(1) instead of O(connections).
 *
 * `@slack/socket-mode` 3.x learns about WebSocket ping and pong frames from undici's process-wide
 * diagnostics channels `undici:websocket:ping` / `undici:websocket:pong`, and every connection
 * subscribes its own handler that ignores frames of other sockets. So each frame runs every
 * connection's handler: with N sockets each pinging every 1.7 s (the SDK's clientPingTimeout / 3)
 * that is N² / 1.7 calls a second. A CPU profile of one supervisor opening 5,000 team sockets spent
 * 36 % of all its samples in those handlers, and from about 3,500 sockets it sat at 100 % of a core
 * just holding them (opens then crawled at ~6/s and heartbeats went late).
 *
 * Here one subscriber per channel looks the frame's socket up and calls only that connection's
 * handler; the connection's own subscription is removed. The handlers stay the SDK's (they keep its
 * ping timeouts); only the fan-out changes.
 */

/** The SDK internals we rely on (`SlackWebSocket`: private in its typings, plain fields at run time). */
interface SdkConnection {
  websocket: object | null;
  pingHandler: ((message: unknown) => void) | null;
  pongHandler: ((message: unknown) => void) | null;
}

const pingChannel = channel('undici:websocket:ping');
const pongChannel = channel('undici:websocket:pong');
/** undici WebSocket → the SDK connection wrapping it; weak, so a closed socket needs no bookkeeping. */
const routes = new WeakMap<object, SdkConnection>();
let subscribed = false;

/** A channel subscriber that calls only the frame's own connection's `handler`. */
const dispatch = (handler: 'pingHandler' | 'pongHandler') => (message: unknown) => {
  const ws = typeof message === 'object' && message !== null ? (message as { websocket?: unknown }).websocket : undefined;
  // Read at call time: the SDK's cleanup sets the handlers to null when the connection ends.
  if (typeof ws === 'object' && ws !== null) routes.get(ws)?.[handler]?.(message);
};

/**
 * Moves `client`'s current connection onto the shared subscribers. Call it once the connection is
 * up (after `start()` resolved). Returns false, changing nothing, when the SDK no longer has the
 * shape this relies on: the connection then keeps its own (slower) subscription.
 */
export function routeFrames(client: SocketModeClient): boolean {
  const conn = client.websocket as unknown as Partial<SdkConnection> | undefined;
  const ws = conn?.websocket;
  const { pingHandler, pongHandler } = conn ?? {};
  if (!conn || typeof ws !== 'object' || ws === null || typeof pingHandler !== 'function' || typeof pongHandler !== 'function') return false;
  if (!subscribed) {
    subscribed = true;
    pingChannel.subscribe(dispatch('pingHandler'));
    pongChannel.subscribe(dispatch('pongHandler'));
  }
  routes.set(ws, conn as SdkConnection);
  pingChannel.unsubscribe(pingHandler);
  pongChannel.unsubscribe(pongHandler);
  return true;
}
