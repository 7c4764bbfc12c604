import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RESTART_POLICY, localPassword, redactSecrets, restartDecision } from './cluster.ts';

test('supervision - a crash is restarted after a delay that doubles with each fast crash, up to the cap', () => {
  const policy = { ...DEFAULT_RESTART_POLICY, initialDelayMs: 500, maxDelayMs: 3_000, maxFastCrashes: 5 };
  // A crash after a long run (0 fast crashes in a row) comes back quickly.
  assert.deepEqual(restartDecision(0, policy), { giveUp: false, delayMs: 500 });
  assert.deepEqual([1, 2, 3].map((n) => restartDecision(n, policy)), [
    { giveUp: false, delayMs: 1_000 },
    { giveUp: false, delayMs: 2_000 },
    { giveUp: false, delayMs: 3_000 },
  ]);
});

test('supervision - after maxFastCrashes crashes in a row the process is left down', () => {
  assert.deepEqual(restartDecision(DEFAULT_RESTART_POLICY.maxFastCrashes, DEFAULT_RESTART_POLICY), { giveUp: true });
  assert.equal(restartDecision(DEFAULT_RESTART_POLICY.maxFastCrashes - 1, DEFAULT_RESTART_POLICY).giveUp, false);
});

test('log redaction - every secret-named string is replaced at any depth; ids and urls stay', () => {
  const ready = {
    apiUrl: 'http://127.0.0.1:1/api/',
    app: { appId: 'A1', clientId: '1.2', clientSecret: 'cs', signingSecret: 'ss', appToken: 'xapp-1' },
    teams: [{ teamId: 'T1', botToken: 'xoxb-1', refreshToken: 'xoxe-1', botUserId: 'U1', users: [{ id: 'U2', password: 'p', pass: 'q' }] }],
  };
  assert.deepEqual(redactSecrets(ready), {
    apiUrl: 'http://127.0.0.1:1/api/',
    app: { appId: 'A1', clientId: '1.2', clientSecret: '[redacted]', signingSecret: '[redacted]', appToken: '[redacted]' },
    teams: [{ teamId: 'T1', botToken: '[redacted]', refreshToken: '[redacted]', botUserId: 'U1', users: [{ id: 'U2', password: '[redacted]', pass: '[redacted]' }] }],
  });
  assert.deepEqual(ready.app.appToken, 'xapp-1', 'the original is untouched');
});

test('local passwords - every one is a token nats-server reads as a string (base64 ones broke it, e.g. "-ab…", "9-x…")', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-pw-'));
  const conf = join(dir, 'auth.conf');
  writeFileSync(conf, 'listen: 127.0.0.1:-1\nauthorization { users = [ { user: a, password: $SF_NATS_PASS_A } ] }\n');
  const accepted = (password: string) => spawnSync('nats-server', ['-t', '-c', conf], { env: { ...process.env, SF_NATS_PASS_A: password } }).status === 0;
  try {
    // The check tells the shapes apart: these are what random base64url passwords sometimes were.
    for (const bad of ['-abc', '9-xyz', '12345']) assert.equal(accepted(bad), false, bad);
    const passwords = Array.from({ length: 20 }, localPassword);
    assert.equal(new Set(passwords).size, passwords.length, 'fresh each time');
    for (const password of passwords) {
      assert.match(password, /^[a-z][0-9a-z]{30,}$/);
      assert.ok(accepted(password), password);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
