import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSubjects, egressAllows } from './index.ts';

test('subjects - game inbox is namespaced by version, team and channel', () => {
  const s = createSubjects('sf');
  assert.equal(s.game('T1', 'C1'), 'sf.v1.game.T1.C1');
  assert.equal(s.results('T1', 'C1'), 'sf.v1.results.T1.C1');
  assert.equal(s.streams.results, 'sf_results');
});

test('subjects - tokens that could inject wildcards or levels are refused', () => {
  const s = createSubjects('sf');
  for (const bad of ['C1.C2', '*', '>', 'C 1', '']) assert.throws(() => s.game('T1', bad), /invalid channel/);
  assert.throws(() => createSubjects('a.b'), /invalid prefix/);
});

test('subjects - prefixes isolate clusters sharing one nats-server', () => {
  assert.notEqual(createSubjects('a').game('T', 'C'), createSubjects('b').game('T', 'C'));
});

// Rule: protocol/ alone names wire things. A subject-like string literal anywhere else is a defect.
test('subjects - no NATS subject literal appears outside protocol/', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const offenders: string[] = [];
  const literal = /['"`](?:sf|\$\{[^}]+\})\.v\d+\.[a-z]/;
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|mjs|js)$/.test(name) && !name.endsWith('.test.ts')) {
        readFileSync(path, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (literal.test(line)) offenders.push(`${relative(root, path)}:${i + 1}: ${line.trim()}`);
          });
      }
    }
  };
  for (const dir of ['services', 'actors', 'cli', 'bench', 'scripts']) walk(join(root, dir));
  assert.deepEqual(offenders, []);
});

test('subjects - an egress subject names its kind; parseEgress reads it back; kinds bound the ops', () => {
  const s = createSubjects('sf');
  assert.equal(s.egress('reply', 'T1', 'C1'), 'sf.v1.egress.reply.T1.C1');
  assert.deepEqual(s.parseEgress(s.egress('announce', 'T1', 'C1')), { kind: 'announce', team: 'T1', channel: 'C1' });
  for (const bad of ['sf.v1.egress.T1.C1', 'sf.v1.egress.other.T1.C1', 'sf.v1.egress.reply.T1.C1.x', 'sf.v1.game.T1.C1']) assert.equal(s.parseEgress(bad), null, bad);
  assert.equal(egressAllows('reply', 'ephemeral'), true);
  assert.equal(egressAllows('reply', 'post'), false);
  assert.equal(egressAllows('announce', 'update'), false);
  assert.equal(egressAllows('game', 'delete'), true);
  // A Home tab is one user's, like an ephemeral: the edges publish it; announcers and game actors cannot.
  assert.equal(egressAllows('reply', 'publish'), true);
  assert.equal(egressAllows('announce', 'publish'), false);
  assert.equal(egressAllows('game', 'publish'), false);
});
