import { createSubjects, ServiceNames, type Subjects } from '../../protocol/index.ts';

/**
 * Least-privilege NATS users, one per service, derived from protocol/subjects.ts so the server
 * config cannot drift from the subjects the code uses (test/ops/nats-auth.test.ts regenerates
 * deploy/nats/auth.conf and fails on any difference).
 *
 * Rules that shape every grant:
 * 1. Requesters subscribe `_INBOX.>` for replies (nats.js muxes replies under one inbox prefix).
 * 2. Responders never get `_INBOX.>` publish: `allow_responses` lets them answer exactly the
 *    requests they received, once, and nothing else.
 * 3. The NATS service API (`$SRV.PING|INFO|STATS[.name[.id]]`) is subscribed only under the
 *    service's own name, so a leaked credential cannot impersonate another service in discovery.
 * 4. JetStream API subjects are granted per stream / bucket and per verb (INFO, CREATE, consume),
 *    never `$JS.API.>`; streams are created idempotently at start by the services that own them.
 */

export interface Grant {
  publish: string[];
  subscribe: string[];
  /** Answer requests received on allowed subscriptions (see rule 2). */
  allowResponses: boolean;
}

export interface NatsUser {
  /** NATS user name, also the Kubernetes Secret key suffix. */
  user: string;
  /** Environment variable the NATS server reads the password from (config `$VAR`). */
  passwordEnv: string;
  /** Who uses it. */
  role: string;
  grant: Grant;
}

const INBOX = '_INBOX.>';

/** Subscriptions the NATS service API needs for discovery of one named service. */
function serviceApi(name: string): string[] {
  return ['$SRV.PING', '$SRV.INFO', '$SRV.STATS', `$SRV.*.${name}`, `$SRV.*.${name}.*`];
}

/** Account info: `jetstreamManager()` and `jetstream()` views check that JetStream is enabled. */
const JS_INFO = '$JS.API.INFO';

/** Look up and (idempotently) create a stream the service owns. */
function ensureStream(stream: string): string[] {
  return [`$JS.API.STREAM.INFO.${stream}`, `$JS.API.STREAM.CREATE.${stream}`];
}

/** Read a KV bucket: open (stream info/create), get (direct or msg get), watch/keys (ordered consumer). */
function kvRead(bucket: string): string[] {
  const stream = `KV_${bucket}`;
  return [
    ...ensureStream(stream),
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.DELETE.${stream}.*`,
    `$JS.FC.${stream}.>`,
  ];
}

/** Read and write a KV bucket (put/create/update/delete publish to `$KV.<bucket>.<key>`). */
function kvWrite(bucket: string): string[] {
  return [...kvRead(bucket), `$KV.${bucket}.>`];
}

/** Consume a stream with durable or ephemeral consumers (push or pull) and ack its messages. */
function consume(stream: string): string[] {
  return [
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.*`,
    `$JS.API.CONSUMER.INFO.${stream}.*`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.*`,
    `$JS.ACK.${stream}.>`,
    `$JS.FC.${stream}.>`,
  ];
}

/** Read a stream with short-lived ordered consumers (pull), removed when done. */
function readStream(stream: string): string[] {
  return [`$JS.API.STREAM.INFO.${stream}`, `$JS.API.CONSUMER.CREATE.${stream}`, `$JS.API.CONSUMER.CREATE.${stream}.>`, `$JS.API.CONSUMER.MSG.NEXT.${stream}.*`, `$JS.API.CONSUMER.DELETE.${stream}.*`];
}

/** Read-only JetStream monitoring: stream and consumer state, for lag and health checks. */
const JS_MONITOR = [JS_INFO, '$JS.API.STREAM.NAMES', '$JS.API.STREAM.LIST', '$JS.API.STREAM.INFO.*', '$JS.API.CONSUMER.NAMES.*', '$JS.API.CONSUMER.LIST.*', '$JS.API.CONSUMER.INFO.*.*'];

/** Every service API request an operator tool sends (ping/info/stats, all services or one). */
const SRV_DISCOVERY = ['$SRV.PING', '$SRV.INFO', '$SRV.STATS', '$SRV.PING.>', '$SRV.INFO.>', '$SRV.STATS.>'];

/**
 * A builder's subject with its id tokens widened to `*` (`game(team, channel)` → `….game.*.*`):
 * grants never hard-code subjects, and never give `>` where the subject has a fixed depth.
 */
function anyId(build: (...ids: string[]) => string): string {
  return build('ID', 'ID')
    .split('.')
    .map((t) => (t === 'ID' ? '*' : t))
    .join('.');
}

function user(user: string, role: string, grant: Omit<Grant, 'allowResponses'> & { allowResponses?: boolean }): NatsUser {
  return {
    user,
    passwordEnv: `SF_NATS_PASS_${user.toUpperCase().replace(/-/g, '_')}`,
    role,
    grant: { allowResponses: grant.allowResponses ?? true, publish: unique(grant.publish), subscribe: unique(grant.subscribe) },
  };
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

/** The per-service users for one subject prefix (production uses `sf`). */
export function natsUsers(s: Subjects = createSubjects('sf')): NatsUser[] {
  const { streams, buckets } = s;
  return [
    user('ingress', 'services/ingress: slash commands, buttons, events, OAuth, admin page', {
      // Commands, clicks and (HTTP delivery) channel messages go to game inboxes, activating the
      // game when nobody answers: a compromised ingress can forge what Slack would send it, which
      // is inherent to being the HTTP edge. Ranking queries; "team playing" / "team uninstalled"
      // for supervisors and egress; admin notices from the admin page (docs/security.md §6 on why
      // that stays); ephemeral replies only (`egress.reply`: egress refuses any other op there,
      // so ingress cannot post, edit or delete as the bot); /lang writes team settings; the
      // leases bucket is watched read-only to know which channels have a game in progress
      // (watchRunningGames in services/actor-host/client.ts); the admin dashboard asks hosts and
      // supervisors for their stats; the results stream is read (never written) for the pages with
      // a game's whole result table; its tournament form asks the actor hosts' tournament endpoint.
      publish: [
        anyId(s.game),
        s.activate(),
        s.rankingQuery(),
        s.allTeamActive(),
        s.allTeamRemoved(),
        s.notice(),
        s.tournamentAdmin(),
        s.egressOf('reply'),
        `$SRV.STATS.${ServiceNames.actorHost}`,
        `$SRV.STATS.${ServiceNames.supervisor}`,
        JS_INFO,
        ...kvWrite(buckets.teams),
        ...kvRead(buckets.leases),
        ...readStream(streams.results),
      ],
      subscribe: [INBOX, ...serviceApi(ServiceNames.ingress)],
    }),
    user('actor-host', 'services/actor-host: hosts channel-game and tournament actors', {
      // No egress subscription and no token bucket: an actor can ask egress to post, never act as it.
      // A tournament actor opens rounds with `/start` in game inboxes (activating them), reads the
      // results stream from the round's opening, and one host forwards a cancel to another's inbox.
      publish: [
        anyId(s.game),
        anyId(s.tournament),
        ...consume(streams.results),
        s.activate(),
        anyId(s.activateOn),
        s.allHostLoads(),
        s.egressOf('game'),
        s.allTeamActive(),
        anyId(s.results),
        anyId(s.gameEvents),
        JS_INFO,
        ...ensureStream(streams.results),
        ...ensureStream(streams.events),
        ...kvWrite(buckets.leases),
        ...kvWrite(buckets.snapshots),
        ...kvWrite(buckets.members),
        ...kvRead(buckets.teams),
      ],
      subscribe: [INBOX, anyId(s.game), anyId(s.tournament), s.tournamentAdmin(), s.activate(), anyId(s.activateOn), s.allHostLoads(), ...serviceApi(ServiceNames.actorHost)],
    }),
    user('connection-supervisor', 'services/connection-supervisor: Slack Socket Mode connections', {
      // Socket events are routed exactly like ingress routes HTTP (services/common/slack-routing.ts);
      // state requests are answered on supervisorState(<id>), and replicas probe each other there
      // (no responders = a dead peer).
      publish: [anyId(s.game), s.activate(), s.rankingQuery(), s.allTeamActive(), s.allTeamRemoved(), s.egressOf('reply'), anyId(s.supervisorState), JS_INFO, ...kvWrite(buckets.members), ...kvWrite(buckets.teams), ...kvRead(buckets.leases)],
      subscribe: [INBOX, s.allTeamActive(), s.allTeamRemoved(), anyId(s.supervisorState), ...serviceApi(ServiceNames.supervisor)],
    }),
    user('egress', 'services/egress: the only Slack Web API caller', {
      publish: [JS_INFO, ...kvRead(buckets.teams)],
      subscribe: [INBOX, s.allEgress(), s.allTeamRemoved(), ...serviceApi(ServiceNames.egress)],
    }),
    user('ranking', 'services/ranking: results consumer, leaderboards, badges', {
      // Badge announcements are new posts (`egress.announce`); the /myscore page link is an ephemeral (`egress.reply`).
      publish: [s.egressOf('announce'), s.egressOf('reply'), JS_INFO, ...ensureStream(streams.results), ...ensureStream(streams.events), ...consume(streams.results), ...kvRead(buckets.teams)],
      subscribe: [INBOX, s.rankingQuery(), ...serviceApi(ServiceNames.ranking)],
    }),
    user('scheduler', 'services/scheduler: weekly re-level, daily reminders, admin notices', {
      // Job runs are claimed in the jobs bucket (one run per period across replicas).
      publish: [s.egressOf('announce'), s.allTeamActive(), JS_INFO, ...ensureStream(streams.results), ...ensureStream(streams.events), ...consume(streams.results), ...kvWrite(buckets.teams), ...kvWrite(buckets.jobs)],
      subscribe: [INBOX, s.notice(), ...serviceApi(ServiceNames.scheduler)],
    }),
    user('watchdog', 'services/watchdog: ops alerts to the ops channel', {
      // Looks like `surfinger status` does, and posts alerts through egress.
      publish: [...SRV_DISCOVERY, ...JS_MONITOR, anyId(s.supervisorState), s.egressOf('announce')],
      subscribe: [INBOX, s.allHostLoads(), ...serviceApi(ServiceNames.watchdog)],
    }),
    user('operator', '`surfinger status` and read-only operator tools', {
      publish: [...SRV_DISCOVERY, ...JS_MONITOR, anyId(s.supervisorState)],
      subscribe: [INBOX, s.allHostLoads()],
      allowResponses: false,
    }),
    user('admin', 'provisioning and break-glass (streams, buckets, replays); not used by services', {
      publish: ['>'],
      subscribe: ['>'],
    }),
  ];
}

/** NATS subject matching: `*` is one token, `>` one or more trailing tokens. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const t = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return t.length > i;
    if (i >= t.length || (p[i] !== '*' && p[i] !== t[i])) return false;
  }
  return p.length === t.length;
}

/** Whether `user` may publish to / subscribe on `subject` (a concrete subject or a wildcard). */
export function allows(user: NatsUser, op: 'publish' | 'subscribe', subject: string): boolean {
  return user.grant[op].some((pattern) => subjectMatches(pattern, subject));
}

function quote(subject: string): string {
  return JSON.stringify(subject);
}

function list(subjects: string[], indent: string): string {
  return `[\n${subjects.map((x) => `${indent}  ${quote(x)}`).join(',\n')}\n${indent}]`;
}

/**
 * Renders the `authorization { users = [...] }` block. Passwords are `$SF_NATS_PASS_<USER>`
 * variables, which nats-server resolves from its environment (a Kubernetes Secret), so the file
 * itself holds no secret and can be committed.
 */
export function renderAuthConf(users: NatsUser[] = natsUsers()): string {
  const blocks = users.map((u) => {
    const lines = [
      `    # ${u.role}`,
      `    {`,
      `      user: ${quote(u.user)}`,
      `      password: $${u.passwordEnv}`,
      `      permissions: {`,
      `        publish: { allow: ${list(u.grant.publish, '        ')} }`,
      `        subscribe: { allow: ${list(u.grant.subscribe, '        ')} }`,
      ...(u.grant.allowResponses ? [`        allow_responses: true`] : []),
      `      }`,
      `    }`,
    ];
    return lines.join('\n');
  });
  return [
    '# GENERATED by `node --import tsx deploy/nats/generate.ts` from protocol/subjects.ts (prefix "sf").',
    '# Do not edit by hand: test/ops/nats-auth.test.ts fails when this file and the generator differ.',
    'authorization {',
    '  users = [',
    blocks.join('\n'),
    '  ]',
    '}',
    '',
  ].join('\n');
}
