import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Like fastify's error catalogue test: every SF_ERR_* code the code can raise is documented in
// docs/errors.md, and the doc lists no code that no longer exists.
const root = fileURLToPath(new URL('..', import.meta.url));
// A code is a whole token; `^SF_ERR_PROTOCOL` inside a regex is a prefix match, not a code.
const CODE = /(?<![\^A-Z_])SF_ERR_[A-Z0-9_]*[A-Z0-9](?![A-Z0-9_])/g;

function codesInSource(): Set<string> {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|mjs)$/.test(name) && !name.endsWith('.test.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(CODE)) found.add(m[0]);
      }
    }
  };
  for (const dir of ['protocol', 'actors', 'services', 'cli', 'bench', 'scripts']) walk(join(root, dir));
  return found;
}

function codesInDoc(): Set<string> {
  const doc = readFileSync(join(root, 'docs', 'errors.md'), 'utf8');
  return new Set([...doc.matchAll(/^\|\s*`(SF_ERR_[A-Z0-9_]+)`/gm)].map((m) => m[1]!));
}

test('errors - every code raised in the source is documented in docs/errors.md', () => {
  const doc = codesInDoc();
  const missing = [...codesInSource()].filter((c) => !doc.has(c)).sort();
  assert.deepEqual(missing, [], 'add these to docs/errors.md');
});

test('errors - docs/errors.md lists no code the source no longer has', () => {
  const source = codesInSource();
  const stale = [...codesInDoc()].filter((c) => !source.has(c)).sort();
  assert.deepEqual(stale, [], 'remove these from docs/errors.md');
});
