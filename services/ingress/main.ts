import { z } from 'zod';
import { CommonEnv, connectionDeps, DeliveryEnv, parseEnv } from '../common/config.ts';
import { runMain } from '../common/main-kit.ts';
import { parsePageLinkSecret } from '../common/page-links.ts';
import { DEFAULT_BOT_SCOPES } from './oauth.ts';
import { parseTrustProxy, start } from './service.ts';

const env = parseEnv(
  CommonEnv.merge(DeliveryEnv).extend({
    NODE_ENV: z.string().default('development'),
    SF_INGRESS_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    SF_INGRESS_HOST: z.string().default('127.0.0.1'),
    /** Comma-separated: every Slack app (or sandbox team) whose requests we accept. */
    SF_SLACK_SIGNING_SECRET: z.string().min(1),
    SF_SLACK_CLIENT_ID: z.string().optional(),
    SF_SLACK_CLIENT_SECRET: z.string().optional(),
    /** Origin of the OAuth authorize page. */
    SF_SLACK_OAUTH_URL: z.string().url().default('https://slack.com'),
    SF_SLACK_SCOPES: z.string().default(DEFAULT_BOT_SCOPES),
    /** Public base URL of this ingress (for the OAuth redirect_uri). */
    SF_PUBLIC_URL: z.string().url().optional(),
    SF_TOKEN_KEYS: z.string().optional(),
    /** Signs the personal /u/ page links (at least 32 characters; required in production). */
    SF_PAGE_LINK_SECRET: z.string().optional(),
    SF_RATE_USER_PER_MIN: z.coerce.number().int().min(1).default(20),
    SF_RATE_TEAM_PER_MIN: z.coerce.number().int().min(1).default(600),
    SF_INGRESS_BODY_LIMIT: z.coerce.number().int().min(1_024).default(65_536),
    SF_ADMIN_USER: z.string().min(1).default('admin'),
    /** Unset = the admin page has an unguessable random password, i.e. nobody can log in. */
    SF_ADMIN_PASSWORD: z.string().min(8).optional(),
    /** `http` delivery: skip the start-up url_verification of SF_PUBLIC_URL (for a URL that becomes reachable only later). */
    SF_SKIP_EVENTS_URL_CHECK: z.enum(['0', '1', 'true', 'false']).default('0'),
    /** Proxies trusted to name the client (hop count or CIDR list); empty = none. */
    SF_TRUST_PROXY: z.string().default(''),
  }),
  process.env,
);

const publicUrl = env.SF_PUBLIC_URL ?? `http://${env.SF_INGRESS_HOST}:${env.SF_INGRESS_PORT}`;
const checkEvents = env.SF_SLACK_DELIVERY === 'http' && env.SF_SKIP_EVENTS_URL_CHECK !== '1' && env.SF_SKIP_EVENTS_URL_CHECK !== 'true';

await runMain('ingress', env.SF_LOG_LEVEL, (log) =>
  start({
    log,
    ...connectionDeps(env),
    host: env.SF_INGRESS_HOST,
    port: env.SF_INGRESS_PORT,
    signingSecrets: env.SF_SLACK_SIGNING_SECRET.split(',').map((s) => s.trim()).filter((s) => s.length > 0),
    tokenKeys: env.SF_TOKEN_KEYS,
    pageLinkSecret: parsePageLinkSecret(env.SF_PAGE_LINK_SECRET, env.NODE_ENV === 'production'),
    production: env.NODE_ENV === 'production',
    oauth: {
      clientId: env.SF_SLACK_CLIENT_ID,
      clientSecret: env.SF_SLACK_CLIENT_SECRET,
      authorizeBase: env.SF_SLACK_OAUTH_URL,
      publicUrl,
      scopes: env.SF_SLACK_SCOPES,
      slackApiUrl: env.SF_SLACK_API_URL,
    },
    rateLimits: { userPerMinute: env.SF_RATE_USER_PER_MIN, teamPerMinute: env.SF_RATE_TEAM_PER_MIN },
    bodyLimit: env.SF_INGRESS_BODY_LIMIT,
    admin: { user: env.SF_ADMIN_USER, password: env.SF_ADMIN_PASSWORD },
    ...(checkEvents ? { eventsUrlCheck: { publicUrl } } : {}),
    trustProxy: parseTrustProxy(env.SF_TRUST_PROXY),
    metricsPort: env.SF_METRICS_PORT,
    metricsHost: env.SF_METRICS_HOST,
  }),
);
