import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../services/local/cluster.ts';

/**
 * docs/ stays true where code can check it: every SF_* variable production code reads is in
 * docs/configuration.md, and every test docs/security.md names as covering an attack exists.
 */

/** Production sources: what runs in a service or the CLI (tests and test support excluded). */
function productionFiles(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : productionFiles(path);
    const test = /\.test\.ts$/.test(e.name) || e.name === 'testing.ts' || e.name === 'test-support.ts';
    return e.name.endsWith('.ts') && !test ? [path] : [];
  });
}

test('docs - every SF_* variable production code reads is in docs/configuration.md', () => {
  const documented = new Set(readFileSync(join(REPO_ROOT, 'docs', 'configuration.md'), 'utf8').match(/\bSF_[A-Z0-9_]+/g) ?? []);
  const missing = new Map<string, string>();
  for (const file of ['services', 'cli', 'protocol', 'actors', 'deploy'].flatMap(productionFiles)) {
    // SF_ERR_* are error codes (docs/errors.md has them), not configuration.
    for (const name of readFileSync(join(REPO_ROOT, file), 'utf8').match(/\bSF_(?!ERR_)[A-Z0-9_]+/g) ?? []) {
      if (!documented.has(name) && !missing.has(name)) missing.set(name, file);
    }
  }
  assert.deepEqual([...missing].map(([name, file]) => `${name} (${file})`), [], 'variables read by the code but missing from docs/configuration.md');
});

/** `file` › `test name` pairs of the probe table (a `\|` in a cell is a literal `|`). */
function namedTests(markdown: string): Array<{ file: string; name: string; row: string }> {
  const found: Array<{ file: string; name: string; row: string }> = [];
  for (const row of markdown.split('\n').filter((l) => l.startsWith('| '))) {
    for (const m of row.matchAll(/`([\w./-]+\.test\.ts)` › `((?:[^`\\]|\\.)+)`/g)) found.push({ file: m[1]!, name: m[2]!.replace(/\\\|/g, '|'), row: row.slice(2, row.indexOf(' |', 2)) });
  }
  return found;
}

test('docs - every test docs/security.md names exists, and each probe class names at least one', () => {
  const markdown = readFileSync(join(REPO_ROOT, 'docs', 'security.md'), 'utf8');
  const named = namedTests(markdown);
  assert.ok(named.length >= 30, `the probe table names its tests (${named.length} found)`);
  for (const { file, name, row } of named) {
    assert.ok(existsSync(join(REPO_ROOT, file)), `${row}: ${file} does not exist`);
    const source = readFileSync(join(REPO_ROOT, file), 'utf8');
    // A title as written in a test(), it() or describe() call, with any quote the source uses.
    const declared = ["'", '"', '`'].some((q) => new RegExp(`\\b(test|it|describe)\\(\\s*${q}${escapeRegExp(name)}${q}`).test(source));
    assert.ok(declared, `${row}: no test "${name}" in ${relative(REPO_ROOT, join(REPO_ROOT, file))}`);
  }
  // Issue 15's probe classes and issue 14's token guarantees each have a row with a test.
  const classes = ['Signatures', 'Replay', 'Body limits', 'Malformed payloads and msgpack', 'Wrong versions', 'Mention injection', 'CSRF', 'Path traversal', 'OAuth state', 'X-Forwarded-For lockout', 'Narrowed NATS users', 'Redis ACL', 'Local auth', 'Local supervision', 'Log secrets', 'Security headers', '/metrics on the ops port', 'Rejection-log rate limiting', 'Tokens encrypted at rest', 'Token and key rotation', 'Revocation', 'Signed /u/ links'];
  for (const c of classes) assert.ok(named.some((n) => n.row === c), `docs/security.md names no test for "${c}"`);
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
