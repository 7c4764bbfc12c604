import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { passwordHash, redisUsers, renderAcl } from './acl.ts';

const SCRIPT = fileURLToPath(new URL('./generate.ts', import.meta.url));

function generate(env: Record<string, string>) {
  const { PATH, HOME } = process.env;
  return spawnSync(process.execPath, ['--import', 'tsx', SCRIPT], { encoding: 'utf8', env: { PATH, HOME, ...env } });
}

test('redis generate - users.acl holds each user with the hash of its SF_REDIS_PASS_<USER>, never the password', () => {
  const passwords = Object.fromEntries([...redisUsers().map((u) => [u.passwordEnv, `pw-${u.user}`]), ['SF_REDIS_PASS_ADMIN', 'pw-admin']]);
  const r = generate({ ...passwords, SF_PREFIX: 'tp' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, renderAcl(redisUsers('tp'), (user) => passwordHash(`pw-${user}`)));
  for (const pw of Object.values(passwords)) assert.ok(!r.stdout.includes(pw), `${pw} in the ACL file`);
  assert.match(r.stdout, /^user ranking on #[0-9a-f]{64} .*~tp:rk:\*/m);
});

test('redis generate - a missing password names its variable and writes nothing', () => {
  const r = generate({ SF_REDIS_PASS_ADMIN: 'x' });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /SF_REDIS_PASS_INGRESS/);
  assert.doesNotMatch(r.stderr, /SF_REDIS_PASS_ADMIN/);
});
