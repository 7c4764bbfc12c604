import { V } from './version.ts';

/**
 * Every NATS subject, stream, bucket and queue group name in surfinger is built here and nowhere
 * else (a test greps the tree for subject literals). A prefix lets tests share one nats-server
 * without seeing each other: `createSubjects('t42')`.
 *
 * Slack ids (T…, C…, U…) are uppercase alphanumerics, so they are safe as subject tokens; anything
 * else is rejected by `token()` rather than being allowed to inject `.`, `*` or `>`.
 */
const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

export function isSubjectToken(value: string): boolean {
  return TOKEN.test(value);
}

function token(value: string, what: string): string {
  if (!TOKEN.test(value)) throw new Error(`invalid ${what} for a subject token: ${JSON.stringify(value)}`);
  return value;
}

/**
 * Who asks egress to call Slack, and so what it may ask for: the subject names the kind, NATS
 * permissions give each service only its kind, and egress refuses an op the kind does not allow
 * (services/egress). The internet-facing edges can only answer one user ephemerally (or through a command's response_url, or on their Home tab); ranking,
 * scheduler and watchdog can only post new messages; only a game actor edits or deletes.
 */
export const EgressKinds = {
  /** A game actor in its own channel: every op. */
  game: ['post', 'update', 'delete', 'ephemeral'],
  /**
   * Ingress and the connection supervisor answering a click, a rate-limited user or a slow command
   * (`respond`: its response_url); ranking sending a player their personal page link; a player's
   * App Home tab (`publish`: views.publish, seen by that user alone).
   */
  reply: ['ephemeral', 'respond', 'publish'],
  /** Badge announcements, reminders, admin notices, ops alerts. */
  announce: ['post'],
} as const;
export type EgressKind = keyof typeof EgressKinds;

export function egressAllows(kind: EgressKind, op: string): boolean {
  return (EgressKinds[kind] as readonly string[]).includes(op);
}

export function createSubjects(prefix = 'sf') {
  token(prefix, 'prefix');
  const p = `${prefix}.${V}`;
  const name = (what: string) => `${prefix}_${what}`;
  return {
    prefix,
    /** Inbox of one channel-game actor (request/reply). No responders = not active. */
    game: (team: string, channel: string) => `${p}.game.${token(team, 'team')}.${token(channel, 'channel')}`,
    /** Wildcard over every game inbox, for monitoring and tests. */
    allGames: () => `${p}.game.>`,
    /** Activation requests, answered by one actor host of the `actorHosts` queue group. */
    activate: () => `${p}.placement.activate`,
    /** Activation aimed at one host (placement forwards to the least-loaded host). */
    activateOn: (hostId: string) => `${p}.placement.activate.${token(hostId, 'hostId')}`,
    /** Hosts publish their load here periodically. */
    hostLoad: (hostId: string) => `${p}.placement.load.${token(hostId, 'hostId')}`,
    allHostLoads: () => `${p}.placement.load.*`,
    /** Slash commands that are not for a game actor (rank, score, …) go to the ranking service. */
    rankingQuery: () => `${p}.ranking.query`,
    /** Posts/updates to Slack, answered by the egress queue group (the only Web API caller). */
    egress: (kind: EgressKind, team: string, channel: string) => `${p}.egress.${token(kind, 'egress kind')}.${token(team, 'team')}.${token(channel, 'channel')}`,
    /** Every team and channel of one kind (for permissions). */
    egressOf: (kind: EgressKind) => `${p}.egress.${kind}.*.*`,
    allEgress: () => `${p}.egress.>`,
    /** The kind, team and channel an egress subject names; null for anything else. */
    parseEgress: (subject: string): { kind: EgressKind; team: string; channel: string } | null => {
      const rest = subject.startsWith(`${p}.egress.`) ? subject.slice(`${p}.egress.`.length).split('.') : [];
      const [kind, team, channel] = rest;
      if (rest.length !== 3 || !kind || !team || !channel || !Object.hasOwn(EgressKinds, kind)) return null;
      return { kind: kind as EgressKind, team, channel };
    },
    /** "This team is playing": the connection supervisor opens its socket. */
    teamActive: (team: string) => `${p}.supervisor.active.${token(team, 'team')}`,
    allTeamActive: () => `${p}.supervisor.active.*`,
    /** "This team uninstalled / revoked its tokens": supervisors close its socket, egress drops its client. */
    teamRemoved: (team: string) => `${p}.supervisor.removed.${token(team, 'team')}`,
    allTeamRemoved: () => `${p}.supervisor.removed.*`,
    /** One supervisor replica's state (open sockets, per-team last activity), request/reply. */
    supervisorState: (supervisorId: string) => `${p}.supervisor.state.${token(supervisorId, 'supervisorId')}`,
    /** Round and game results (JetStream stream `streams.results`, deduplicated by result id). */
    results: (team: string, channel: string) => `${p}.results.${token(team, 'team')}.${token(channel, 'channel')}`,
    allResults: () => `${p}.results.>`,
    /** Per-game event log (JetStream stream `streams.events`), replayable with `surfinger replay`. */
    gameEvents: (gameId: string) => `${p}.events.${token(gameId, 'gameId')}`,
    allGameEvents: () => `${p}.events.>`,
    /** Admin / scheduler notices to push to teams. */
    notice: () => `${p}.admin.notice`,
    /** Tournament create/list/show/cancel (CLI, admin page), answered by one actor host of the `actorHosts` queue group. */
    tournamentAdmin: () => `${p}.tournament.admin`,
    /** Inbox of one tournament actor (request/reply). No responders = not active. */
    tournament: (id: string) => `${p}.tournament.inbox.${token(id, 'tournament id')}`,
    streams: {
      results: name('results'),
      events: name('events'),
    },
    buckets: {
      /** Actor ownership / leases (single activation). */
      leases: name('leases'),
      /** Game snapshots. */
      snapshots: name('snapshots'),
      /** Team settings: language, opt-outs. */
      teams: name('teams'),
      /** Host and supervisor membership. */
      members: name('members'),
      /** Scheduler job-run leases (`job.<name>.<period>`, created if absent: one run per period). */
      jobs: name('jobs'),
    },
    queues: {
      actorHosts: 'actor-hosts',
      egress: 'egress',
      ranking: 'ranking',
      supervisors: 'supervisors',
      /** Scheduler replicas share admin notices: one replica pushes each. */
      scheduler: 'scheduler',
    },
  } as const;
}

export type Subjects = ReturnType<typeof createSubjects>;

/** Names under which services register with the NATS service API ($SRV.PING/INFO/STATS). */
export const ServiceNames = {
  ingress: 'surfinger-ingress',
  actorHost: 'surfinger-actor-host',
  supervisor: 'surfinger-connection-supervisor',
  egress: 'surfinger-egress',
  ranking: 'surfinger-ranking',
  scheduler: 'surfinger-scheduler',
  watchdog: 'surfinger-watchdog',
} as const;
export type ServiceName = (typeof ServiceNames)[keyof typeof ServiceNames];
