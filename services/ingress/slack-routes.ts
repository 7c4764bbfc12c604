import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { Counter, Histogram, type Registry } from 'prom-client';
import { asSurfingerError } from '../../protocol/index.ts';
import type { Logger } from '../common/logger.ts';
import { SignatureErrorCodes, verifySlackRequest, type SignatureCheck } from '../common/slack-signature.ts';
import { SeenOnce } from '../common/seen-once.ts';
import { BlockActions, describeIssues, EventCallback, RoutingErrorCodes, SlashCommand, type EventOutcome, type SlackRouter } from '../common/slack-routing.ts';

/**
 * POST /slack/commands, /slack/interactivity, /slack/events. Every request, in order:
 * 1. raw body (the signature covers bytes, so nothing parses before the check); size-limited;
 * 2. v0 signature against each configured signing secret (5-minute window, constant time);
 * 3. replay cache: a signature seen in the last 5 minutes is refused (Redis SET NX, cluster-wide;
 *    in process only while Redis is unreachable, see SeenOnce: a command must not fail with 500
 *    because Redis blinked);
 * 4. schema check of the payload → 400 with a reason; then the shared router.
 * Events are answered 200 only once handed on (SlackRouter.event); a failed handoff answers 503
 * and releases its replay claim, so Slack's retry (X-Slack-Retry-Num) is taken even when it is
 * signed in the same second; the game recognises a retry of an answer it has.
 * Slack shows nothing useful for a 401/400, so bodies are for operators and tests.
 */

export const IngressErrorCodes = {
  /** A signature was already used (replayed request). */
  REPLAYED: 'SF_ERR_SIGNATURE_REPLAYED',
  /** Body over the size limit. */
  TOO_LARGE: 'SF_ERR_BODY_TOO_LARGE',
} as const;

export interface SlackRoutesDeps {
  router: SlackRouter;
  redis: Redis;
  prefix: string;
  signingSecrets: string[];
  log: Logger;
  registry: Registry;
  bodyLimit: number;
  nowMs?: () => number;
}

type Raw = FastifyRequest<{ Body: Buffer }>;

export async function slackRoutes(app: FastifyInstance, deps: SlackRoutesDeps): Promise<void> {
  const now = deps.nowMs ?? Date.now;
  const signatures = new SeenOnce(deps.redis, deps.log, { now });
  const requests = new Counter({ name: 'sf_ingress_requests_total', help: 'Slack requests by route and outcome', labelNames: ['route', 'outcome'], registers: [deps.registry] });
  const ackSeconds = new Histogram({
    name: 'sf_ingress_ack_seconds',
    help: 'Time to answer Slack (must stay under 3 s)',
    labelNames: ['route'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 3],
    registers: [deps.registry],
  });

  // Slack signs the exact bytes: keep them raw in this plugin's scope (pages parse their own way).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.bodyLimit }, (_req, body, done) => done(null, body));

  const reject = (reply: FastifyReply, route: string, status: number, error: string, code: string, detail?: string) => {
    requests.inc({ route, outcome: error });
    deps.log.info({ route, status, code, reason: detail ?? error }, 'rejected slack request');
    return reply.code(status).send({ ok: false, error, ...(detail ? { detail } : {}) });
  };

  const replayKey = (req: Raw) => `${deps.prefix}:seen-sig:${header(req, 'x-slack-signature')}`;

  /** Steps 1–3; returns the body as text, or null after answering. */
  async function authentic(req: Raw, reply: FastifyReply, route: string): Promise<string | null> {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const timestamp = header(req, 'x-slack-request-timestamp');
    const signature = header(req, 'x-slack-signature');
    const nowSeconds = Math.floor(now() / 1_000);
    let check: SignatureCheck = { ok: false, code: SignatureErrorCodes.MISSING, reason: 'no signing secret configured' };
    for (const signingSecret of deps.signingSecrets) {
      check = verifySlackRequest({ signingSecret, body, timestamp, signature, nowSeconds });
      if (check.ok || check.code !== SignatureErrorCodes.MISMATCH) break;
    }
    if (!check.ok) {
      await reject(reply, route, 401, check.code === SignatureErrorCodes.STALE ? 'stale_request' : 'invalid_signature', check.code, check.reason);
      return null;
    }
    if (!(await signatures.claim(replayKey(req), 300))) {
      await reject(reply, route, 401, 'replayed_request', IngressErrorCodes.REPLAYED);
      return null;
    }
    return body.toString('utf8');
  }

  const timed = (route: string, handler: (req: Raw, reply: FastifyReply) => Promise<unknown>) => async (req: Raw, reply: FastifyReply) => {
    const end = ackSeconds.startTimer({ route });
    try {
      return await handler(req, reply);
    } catch (err) {
      // Our bug, not Slack's: answer 500 with a code, keep serving.
      const e = asSurfingerError(err);
      deps.log.error({ route, code: e.code, err: e }, 'slack request failed');
      requests.inc({ route, outcome: 'error' });
      return reply.code(500).send({ ok: false, error: 'internal_error', code: e.code });
    } finally {
      end();
    }
  };

  app.post(
    '/slack/commands',
    timed('commands', async (req, reply) => {
      const text = await authentic(req, reply, 'commands');
      if (text === null) return reply;
      const form = Object.fromEntries(new URLSearchParams(text));
      if (form.ssl_check === '1') return reply.code(200).send();
      const parsed = SlashCommand.safeParse(form);
      if (!parsed.success) return reject(reply, 'commands', 400, 'malformed_payload', RoutingErrorCodes.MALFORMED, describeIssues(parsed.error));
      const answer = await deps.router.command(parsed.data);
      requests.inc({ route: 'commands', outcome: 'ok' });
      return Object.keys(answer).length === 0 ? reply.code(200).send() : reply.code(200).send(answer);
    }),
  );

  app.post(
    '/slack/interactivity',
    timed('interactivity', async (req, reply) => {
      const text = await authentic(req, reply, 'interactivity');
      if (text === null) return reply;
      const raw = new URLSearchParams(text).get('payload');
      const json = raw === null ? undefined : parseJson(raw);
      if (json === undefined) return reject(reply, 'interactivity', 400, 'malformed_payload', RoutingErrorCodes.MALFORMED, 'payload is not JSON');
      if ((json as { type?: unknown }).type !== 'block_actions') {
        requests.inc({ route: 'interactivity', outcome: 'ignored' });
        return reply.code(200).send();
      }
      const parsed = BlockActions.safeParse(json);
      if (!parsed.success) return reject(reply, 'interactivity', 400, 'malformed_payload', RoutingErrorCodes.MALFORMED, describeIssues(parsed.error));
      // Ack now (Slack's 3 s limit); the click's effects arrive as messages.
      void deps.router.interaction(parsed.data).catch((err: unknown) => {
        const e = asSurfingerError(err);
        deps.log.warn({ team: parsed.data.team.id, code: e.code, reason: e.message }, 'interaction failed');
      });
      requests.inc({ route: 'interactivity', outcome: 'ok' });
      return reply.code(200).send();
    }),
  );

  app.post(
    '/slack/events',
    timed('events', async (req, reply) => {
      const text = await authentic(req, reply, 'events');
      if (text === null) return reply;
      const json = parseJson(text);
      const type = (json as { type?: unknown } | undefined)?.type;
      if (type === 'url_verification') {
        const challenge = (json as { challenge?: unknown }).challenge;
        if (typeof challenge !== 'string' || challenge.length > 256) return reject(reply, 'events', 400, 'malformed_payload', RoutingErrorCodes.MALFORMED, 'challenge missing');
        return reply.code(200).send({ challenge });
      }
      if (type === 'ssl_check') return reply.code(200).send();
      const parsed = EventCallback.safeParse(json);
      if (!parsed.success) return reject(reply, 'events', 400, 'malformed_payload', RoutingErrorCodes.MALFORMED, json === undefined ? 'body is not JSON' : describeIssues(parsed.error));
      const retry = header(req, 'x-slack-retry-num');
      let outcome: EventOutcome;
      try {
        outcome = await deps.router.event(parsed.data);
      } catch (err) {
        // Not handed on: 5xx makes Slack retry the event later; nothing is lost by refusing now.
        const e = asSurfingerError(err);
        requests.inc({ route: 'events', outcome: 'retry_later' });
        deps.log.warn({ team: parsed.data.team_id, code: e.code, reason: e.message, retry }, 'event not handed on; asking Slack to retry');
        // Not processed, so its retry is no replay, even one signed in this same second.
        await signatures.release(replayKey(req));
        return reply.code(503).send({ ok: false, error: 'retry_later', code: e.code });
      }
      requests.inc({ route: 'events', outcome });
      if (retry !== undefined) deps.log.debug({ team: parsed.data.team_id, retry, outcome }, 'slack event retry');
      return reply.code(200).send();
    }),
  );
}

function header(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
