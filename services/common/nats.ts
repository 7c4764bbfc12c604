import { connect, headers as natsHeaders, type NatsConnection, type Msg, type Service, type ServiceMsg, ServiceErrorCodeHeader, ServiceErrorHeader } from 'nats';
import { asSurfingerError, CommonErrorCodes, PlacementErrorCodes, ProtocolErrorCodes, SurfingerError, type Codec } from '../../protocol/index.ts';
import { setReplicas } from './jetstream.ts';
import type { Logger } from './logger.ts';
import { rejected } from './rejections.ts';

export interface NatsAuth {
  user?: string;
  pass?: string;
}

/**
 * One connection per process; reconnects forever because a restart of nats-server is routine.
 * `url` may list several servers (a cluster), comma-separated. `jsReplicas` is how many copies the
 * streams and buckets this connection creates keep (jetstream.ts).
 */
export async function connectNats(url: string, name: string, auth: NatsAuth = {}, options: { jsReplicas?: number } = {}): Promise<NatsConnection> {
  const nc = await connect({
    servers: url.split(','),
    name,
    user: auth.user,
    pass: auth.pass,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    pingInterval: 10_000,
    // Otherwise every request captures a stack trace up front in case it times out: measurable on
    // the answer path (docs/benchmarks.md); our coded errors already name the subject.
    noAsyncTraces: true,
  });
  setReplicas(nc, options.jsReplicas ?? 1);
  return nc;
}

const BAD_INPUT: ReadonlySet<string> = new Set(Object.values(ProtocolErrorCodes));
/** Planned refusals (admission control): nothing is wrong, there is no room; the caller acts on the code. */
const NO_ROOM: ReadonlySet<string> = new Set(Object.values(PlacementErrorCodes));

/**
 * Numeric status carried in the service API error header (nats micro uses HTTP-like numbers):
 * 400 blames the caller's payload, 503 is a planned refusal (no room), 500 is ours.
 */
function statusFor(code: string): number {
  if (NO_ROOM.has(code)) return 503;
  // Asking for what does not exist, or for what already does, is the caller's mistake too.
  return BAD_INPUT.has(code) || /_(INVALID|NOT_FOUND|EXISTS)$/.test(code) ? 400 : 500;
}

/**
 * Registers a request/reply endpoint on a NATS service (so `$SRV.STATS` counts it) with the
 * project's edge rules: the payload is decoded and validated first; bad input is logged at `warn`
 * with its code and subject and answered with an error header; a throwing handler is our bug, logged
 * at `error`, answered the same way, and never takes the process down.
 */
export function addEndpoint<In, Out>(
  service: Service,
  name: string,
  opts: {
    subject: string;
    queue?: string;
    input: Codec<In, unknown>;
    output: Codec<unknown, Out>;
    log: Logger;
    handle: (value: In, msg: ServiceMsg) => Promise<Out> | Out;
  },
): void {
  service.addEndpoint(name, {
    subject: opts.subject,
    ...(opts.queue === undefined ? {} : { queue: opts.queue }),
    handler: (err, msg) => {
      if (err) {
        opts.log.error({ err, endpoint: name }, 'endpoint subscription failed');
        return;
      }
      void respond(msg);
    },
  });

  async function respond(msg: ServiceMsg): Promise<void> {
    let value: In;
    try {
      value = opts.input.decode(msg.data);
    } catch (err) {
      const e = asSurfingerError(err);
      rejected(opts.log, { code: e.code, subject: msg.subject, reason: e.message });
      if (msg.reply) msg.respondError(400, `${e.code}: ${e.message}`);
      return;
    }
    try {
      const out = await opts.handle(value, msg);
      if (msg.reply) msg.respond(opts.output.encode(out));
    } catch (err) {
      const e = asSurfingerError(err);
      const status = statusFor(e.code);
      // A refusal is counted where it is decided (sf_admission_refused_total) and the edge logs what the player was told.
      if (status === 503) opts.log.debug({ code: e.code, subject: msg.subject }, 'request refused: no room');
      else if (status >= 500) opts.log.error({ err: e, code: e.code, subject: msg.subject }, 'handler failed');
      else opts.log.warn({ code: e.code, subject: msg.subject, reason: e.message }, 'request refused');
      if (msg.reply) msg.respondError(status, `${e.code}: ${e.message}`);
    }
  }
}

/** Turns a service API error reply into a SurfingerError with the code the responder sent. */
export function serviceError(msg: Msg): SurfingerError | null {
  const description = msg.headers?.get(ServiceErrorHeader);
  if (!description) return null;
  const [code, ...rest] = description.split(': ');
  return new SurfingerError(code && code.startsWith('SF_ERR_') ? code : CommonErrorCodes.REMOTE, rest.join(': ') || description, {
    details: { status: msg.headers?.get(ServiceErrorCodeHeader) },
  });
}

/**
 * Request/reply through codecs. Throws SurfingerError: the responder's code, or
 * SF_ERR_NO_RESPONDERS / SF_ERR_TIMEOUT from NATS itself (callers branch on those).
 */
export async function request<In, Out>(
  nc: NatsConnection,
  subject: string,
  input: Codec<unknown, In>,
  value: In,
  output: Codec<Out, unknown>,
  timeoutMs = 2_000,
): Promise<Out> {
  let msg: Msg;
  try {
    msg = await nc.request(subject, input.encode(value), { timeout: timeoutMs });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === '503') throw new SurfingerError(CommonErrorCodes.NO_RESPONDERS, `no responders on ${subject}`, { cause: err });
    if (code === 'TIMEOUT') throw new SurfingerError(CommonErrorCodes.TIMEOUT, `request to ${subject} timed out after ${timeoutMs} ms`, { cause: err });
    throw asSurfingerError(err, CommonErrorCodes.NATS);
  }
  const remote = serviceError(msg);
  if (remote) throw remote;
  return output.decode(msg.data);
}

export { natsHeaders };

/** Drains and closes, bounded: with nats-server already gone a drain would wait for a reconnect forever. */
export async function closeNats(nc: NatsConnection, boundMs = 2_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise((resolve) => (timer = setTimeout(resolve, boundMs)));
  await Promise.race([nc.drain(), bound])
    .catch(() => undefined)
    .finally(() => {
      clearTimeout(timer);
      return nc.close();
    });
}
