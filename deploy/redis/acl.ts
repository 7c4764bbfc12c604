import { createHash } from 'node:crypto';
import { rankingKeySpace } from '../../services/ranking/reads.ts';

/**
 * Least-privilege Redis users, one per service that uses Redis, as Redis 7 ACL rules. The key
 * patterns are the ones each service's code builds (`<prefix>:…`); `%R~` is read-only. Shared by
 * the local cluster (`startCluster` writes an ACL file with per-run passwords, as SHA-256 hashes)
 * and Kubernetes (deploy/k8s/base/redis.yaml renders the same lines from a Secret at pod start).
 * test/security/redis-acl.test.ts runs each user against a real redis-server.
 *
 * Rules that shape every user:
 * 1. No `@dangerous` (FLUSHALL, CONFIG, KEYS, DEBUG…), no `@admin`, no pub/sub channels.
 * 2. `info` and `client` stay allowed because ioredis sends INFO (ready check) and CLIENT SETNAME.
 * 3. Lua scripts (`eval`, `evalsha`) are checked key by key against the same patterns.
 * 4. Only ingress (install) and the CLI write tokens; the supervisor may delete one on uninstall.
 */

export interface RedisUser {
  user: string;
  /** Environment variable the service reads its password from (the deploy Secret's key). */
  passwordEnv: string;
  role: string;
  /** Key patterns: `~p` read-write, `%R~p` read-only. */
  keys: string[];
}

/** Command categories every service may use on its own keys. */
const COMMANDS = ['-@all', '+@read', '+@write', '+@string', '+@hash', '+@list', '+@sortedset', '+@set', '+@keyspace', '+@transaction', '+@scripting', '+@connection', '+info', '+client|setname', '-@dangerous', '-@admin', '-@pubsub', '+scan'];

function user(name: string, role: string, keys: string[]): RedisUser {
  return { user: name, passwordEnv: `SF_REDIS_PASS_${name.toUpperCase().replace(/-/g, '_')}`, role, keys };
}

export function redisUsers(prefix = 'sf'): RedisUser[] {
  const k = (rest: string) => `~${prefix}:${rest}`;
  const ro = (rest: string) => `%R~${prefix}:${rest}`;
  const rankings = rankingKeySpace(prefix);
  return [
    user('ingress', 'services/ingress: signature replay cache, event dedupe, rate limits, OAuth state, admin sessions, install', [
      k('tokens'),
      k('seen-sig:*'),
      k('seen-event:*'),
      k('rl:*'),
      k('oauth-state:*'),
      k('admin:*'),
      `%R~${rankings}`,
      ro('sched:history'),
    ]),
    user('connection-supervisor', 'services/connection-supervisor: reads tokens, dedupes events, rate limits, active teams', [
      // Read-write on tokens only because an app_uninstalled event deletes the team's record.
      k('tokens'),
      k('seen-event:*'),
      k('rl:*'),
      k('supervisor:active'),
    ]),
    user('egress', 'services/egress: reads tokens, idempotency keys', [ro('tokens'), k('egress:idem:*')]),
    user('ranking', 'services/ranking: leaderboards, badges, checkpoint', [`~${rankings}`]),
    user('scheduler', 'services/scheduler: job history, reminders; reads rankings', [k('sched:*'), `%R~${rankings}`]),
    user('watchdog', 'services/watchdog: reads play records for threshold alerts', [`%R~${rankings}`]),
  ];
}

/** `#<sha256>`: Redis compares hashes, so the ACL file never holds a password. */
export function passwordHash(password: string): string {
  return createHash('sha256').update(password).digest('hex');
}

/** One `user …` line per service plus `admin` (CLI, provisioning) and a disabled `default`. */
export function renderAcl(users: RedisUser[], hashOf: (user: string) => string): string {
  const lines = users.map((u) => `user ${u.user} on #${hashOf(u.user)} resetchannels ${u.keys.join(' ')} ${COMMANDS.join(' ')}`);
  return [
    // An anonymous client (no AUTH) is the `default` user: switched off.
    'user default off resetchannels -@all',
    `user admin on #${hashOf('admin')} ~* &* +@all`,
    ...lines,
    '',
  ].join('\n');
}

/** The admin entry's password variable (CLI tools, token seeding, provisioning). */
export const REDIS_ADMIN_PASSWORD_ENV = 'SF_REDIS_PASS_ADMIN';

/** A Redis URL with credentials: `redis://user:password@host:port`. */
export function redisUrlFor(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  return u.toString().replace(/\/$/, '');
}
