import { writeFileSync } from 'node:fs';
import { REDIS_ADMIN_PASSWORD_ENV, passwordHash, redisUsers, renderAcl } from './acl.ts';

/**
 * Renders the Redis ACL file (`users.acl` of the `surfinger-redis` Secret, docs/operations.md)
 * from SF_REDIS_PASS_<USER> and SF_REDIS_PASS_ADMIN: only hashes reach the file, so it can be
 * stored like any other Secret key without holding a password. Writes to the path given, or stdout.
 */
// The key patterns carry the prefix: SF_PREFIX as the services get it (deploy/k8s/base/config.yaml).
const users = redisUsers(process.env.SF_PREFIX ?? 'sf');
const envOf = new Map([...users.map((u) => [u.user, u.passwordEnv] as const), ['admin', REDIS_ADMIN_PASSWORD_ENV]]);
const missing = [...envOf.values()].filter((name) => !process.env[name]);
if (missing.length > 0) {
  process.stderr.write(`set ${missing.join(', ')}\n`);
  process.exit(1);
}
const acl = renderAcl(users, (user) => passwordHash(process.env[envOf.get(user)!]!));
const target = process.argv[2];
if (target) writeFileSync(target, acl, { mode: 0o600 });
else process.stdout.write(acl);
