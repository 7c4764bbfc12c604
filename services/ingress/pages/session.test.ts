import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lockoutAddress } from './session.ts';

test('lockout address - IPv4 as is, IPv6 by its /64 whatever its spelling', () => {
  assert.equal(lockoutAddress('203.0.113.7'), '203.0.113.7');
  assert.equal(lockoutAddress('::ffff:203.0.113.7'), '::ffff:203.0.113.7');
  assert.equal(lockoutAddress('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(lockoutAddress('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
  assert.equal(lockoutAddress('2001:db8::5'), '2001:db8:0:0::/64');
  assert.equal(lockoutAddress('::1'), '0:0:0:0::/64');
});
