import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// The import rules of the layering (docs/architecture.md): services/common/ is the floor every
// service stands on, so it imports no service; no service imports the benchmarks; and ranking's
// Redis key layout is ranking's own, reached from outside only through its read model
// (services/ranking/reads.ts). Imports are read as text, like the subject-literal guard.
const root = fileURLToPath(new URL('..', import.meta.url));
const SOURCE_DIRS = ['protocol', 'actors', 'services', 'cli', 'bench', 'scripts', 'deploy', 'test'];

/** The ACL's own test checks permissions on the real key names, so it must name them; this guard spells its pattern. */
const RANKING_KEY_READERS = new Set(['test/security/redis-acl.test.ts', 'test/structure.test.ts']);

function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|mjs)$/.test(name)) files.push(relative(root, path).split(sep).join('/'));
    }
  };
  for (const dir of SOURCE_DIRS) walk(join(root, dir));
  return files;
}

const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

/** The repository paths a file imports (relative specifiers only; packages are not ours). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(IMPORT)]
    .map((m) => m[1]!)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => relative(root, resolve(dirname(join(root, file)), spec)).split(sep).join('/'));
}

const isTest = (file: string) => file.endsWith('.test.ts');
const serviceOf = (file: string) => /^services\/([^/]+)\//.exec(file)?.[1];

test('structure - services/common imports no service', () => {
  const arrows = sourceFiles()
    .filter((f) => f.startsWith('services/common/') && !isTest(f))
    .flatMap((f) => importsOf(f).map((to) => ({ f, to })))
    .filter(({ to }) => serviceOf(to) !== undefined && serviceOf(to) !== 'common')
    .map(({ f, to }) => `${f} -> ${to}`);
  assert.deepEqual(arrows, [], 'common/ is the floor: invert the dependency with a seam owned by common/');
});

test('structure - no service imports the benchmarks', () => {
  const arrows = sourceFiles()
    .filter((f) => f.startsWith('services/'))
    .flatMap((f) => importsOf(f).map((to) => ({ f, to })))
    .filter(({ to }) => to.startsWith('bench/'))
    .map(({ f, to }) => `${f} -> ${to}`);
  assert.deepEqual(arrows, [], 'what a service shares with the benchmarks belongs in services/common/');
});

/** What naming ranking's Redis keys looks like: its layout module, its write side, or a key literal. */
const RANKING_INTERNALS = new Set(['services/ranking/keys.ts', 'services/ranking/store.ts']);
const RANKING_KEY_TEXT = /\b(?:rankingRoot|rootKeys|dataKeys)\b|[`'"][^`'"\n]*:rk(?::|[`'"])/;

test('structure - no file outside services/ranking names a ranking Redis key', () => {
  const offenders = sourceFiles()
    .filter((f) => !f.startsWith('services/ranking/') && !f.startsWith('test/ranking/') && !RANKING_KEY_READERS.has(f))
    .flatMap((f) => {
      const found = importsOf(f)
        .filter((to) => RANKING_INTERNALS.has(to))
        .map((to) => `${f} imports ${to}`);
      const text = readFileSync(join(root, f), 'utf8').match(RANKING_KEY_TEXT);
      return text ? [...found, `${f} names ${text[0]}`] : found;
    });
  assert.deepEqual(offenders, [], 'read ranking data through services/ranking/reads.ts (openRankingReads)');
});

test('structure - the guards see the arrows they forbid', () => {
  // A guard that parses nothing passes everything: these arrows exist and must be found.
  assert.ok(importsOf('services/local/cluster.ts').some((to) => to.startsWith('services/sandbox/')));
  assert.ok(importsOf('services/ranking/service.ts').includes('services/ranking/store.ts'));
  assert.ok(importsOf('bench/measure.ts').includes('services/common/percentiles.ts'));
  assert.match("const k = `${prefix}:rk:gen`", RANKING_KEY_TEXT);
  assert.match("dataKeys(root, gen)", RANKING_KEY_TEXT);
  assert.doesNotMatch("const park = 'bark'", RANKING_KEY_TEXT);
});

/**
 * A code is written once, in its package's catalogue (`NAME: 'SF_ERR_…'` in an `…ErrorCodes`
 * object); everywhere else names it through the catalogue, so a typo cannot mint a new code.
 */
const RAW_CODE = /['"`]SF_ERR_[A-Z0-9_]*[A-Z0-9]['"`]/;
const CATALOGUE_ENTRY = /^\s*[A-Z][A-Z0-9_]*: ['"]SF_ERR_[A-Z0-9_]+['"],?\s*(\/\/.*)?$/;

test('structure - error codes are written only in their catalogue', () => {
  const raw = sourceFiles()
    .filter((f) => !f.startsWith('test/') && !isTest(f))
    .flatMap((f) =>
      readFileSync(join(root, f), 'utf8')
        .split('\n')
        .flatMap((line, i) => (RAW_CODE.test(line) && !CATALOGUE_ENTRY.test(line) ? [`${f}:${i + 1}: ${line.trim().slice(0, 120)}`] : [])),
    );
  assert.deepEqual(raw, [], 'name the code through its catalogue (CommonErrorCodes, <Package>ErrorCodes)');
});
