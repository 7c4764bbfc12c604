import { createHash } from 'node:crypto';
import { rankingKeySpace } from '../../services/ranking/reads.ts';

/**
 * Least-privilege Redis users, one per service that uses Redis, as Redis 7 ACL rules. The key
 * patterns are the ones each service's code builds (`<prefix>:…`); `%R~` is read-only. Shared by
 * the local cluster (`startCluster` writes an ACL file with per-run passwords, as SHA-256 hashes;
 * test/security/local-auth.test.ts runs every service under it) and deploy/k8s (the surfinger-redis
 * Secret's users.acl, rendered by deploy/redis/generate.ts).
 * test/security/redis-acl.test.ts runs each user against a real redis-server.
 *
 * Rules that shape every user:
 * 1. No `@dangerous` (FLUSHALL, CONFIG, KEYS, DEBUG…), no `@admin`, no pub/sub channels.
 * 2. `info` and `client` stay allowed because ioredis sends INFO (ready check) and CLIENT SETNAME;
 *    `time` because the pacing scripts read the server clock.
 * 3. Lua scripts (`eval`, `evalsha`) are checked key by key against the same patterns.
 * 4. Tokens are written by ingress (install), the CLI, egress (a rotated token it refreshed before
 *    use) and the supervisor (it deletes a team on uninstall); scheduler only reads them.
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
// Order matters: INFO is in @dangerous, so it is granted back after the categories are removed.
// TIME is in none of the granted categories; egress's pacing scripts read the server clock with it
// (one clock for every replica).
const COMMANDS = ['-@all', '+@read', '+@write', '+@string', '+@hash', '+@list', '+@sortedset', '+@set', '+@keyspace', '+@transaction', '+@scripting', '+@connection', '-@dangerous', '-@admin', '-@pubsub', '+info', '+client|setname', '+scan', '+time'];

function user(name: string, role: string, keys: string[]): RedisUser {
  return { user: name, passwordEnv: `SF_REDIS_PASS_${name.toUpperCase().replace(/-/g, '_')}`, role, keys };
}

export function redisUsers(prefix = 'sf'): RedisUser[] {
  const k = (rest: string) => `~${prefix}:${rest}`;
  const ro = (rest: string) => `%R~${prefix}:${rest}`;
  const rankings = rankingKeySpace(prefix);
  return [
    user('ingress', 'services/ingress: signature replay cache, rate limits, OAuth state, admin sessions, install, token refresh, bot membership', [
      k('tokens'),
      k('tokens:refresh-lock:*'),
      k('seen-sig:*'),
      k('rl:*'),
      k('oauth-state:*'),
      k('admin:*'),
      k('bot-member:*'),
      // The App Home's language toggle (services/common/app-home.ts), read and written by the router.
      k('home-lang:*'),
      // Read-write although the pages only read: ranking reads go through EVAL, which Redis treats
      // as a write (read-only needs EVAL_RO in services/ranking/reads.ts; follow-up).
      `~${rankings}`,
      ro('sched:history'),
    ]),
    user('connection-supervisor', 'services/connection-supervisor: reads tokens, dedupes envelopes, rate limits, bot membership', [
      // Read-write on tokens only because an app_uninstalled event deletes the team's record.
      k('tokens'),
      k('seen-envelope:*'),
      k('rl:*'),
      k('bot-member:*'),
      k('home-lang:*'),
    ]),
    // Tokens read-write: egress refreshes a rotating token that is due before it uses it.
    user('egress', 'services/egress: tokens (and their refresh), pacing buckets, idempotency keys', [k('tokens'), k('tokens:refresh-lock:*'), k('egress:*')]),
    user('ranking', 'services/ranking: leaderboards, badges, checkpoint', [`~${rankings}`]),
    // Both only read rankings, but through EVAL reads (see ingress).
    // Tokens read-only: reminders go only to teams that are still installed.
    user('scheduler', 'services/scheduler: job history, reminders; reads rankings and which teams are installed', [k('sched:*'), `~${rankings}`, ro('tokens')]),
    user('watchdog', 'services/watchdog: reads play records for threshold alerts', [`~${rankings}`]),
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
  // A Sentinel URL's host list (h1:p1,h2:p2) is no URL authority `new URL` accepts.
  const sentinel = /^redis-sentinel:\/\/(?:[^@/]*@)?(.*)$/.exec(url);
  if (sentinel) return `redis-sentinel://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${sentinel[1]}`;
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  return u.toString().replace(/\/$/, '');
}
