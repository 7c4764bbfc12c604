import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { SurfingerError } from '../../protocol/errors.ts';
import type { Lang } from '../../protocol/messages.ts';
import { loadCorpus, validateCorpusFile, writeCorpusLevels } from './corpus.ts';

const SHIPPED_DIR = fileURLToPath(new URL('../../data/corpus', import.meta.url));

function fileOf(lang: Lang, entries: Array<{ id: string; text: string; level: number }>): unknown {
  return { version: 1, lang, entries };
}

function rulesOf(json: unknown, lang: Lang): string[] {
  return validateCorpusFile(json, lang).map((problem) => problem.rule);
}

describe('corpus - shipped data', () => {
  test('loads both languages without problems', async () => {
    const corpus = await loadCorpus();
    for (const lang of ['ko', 'en'] as const) {
      const entries = corpus[lang];
      assert.ok(entries.length >= 300, `${lang}: only ${entries.length} entries`);
      for (let level = 1; level <= 5; level++) {
        const count = entries.filter((entry) => entry.level === level).length;
        assert.ok(count >= 50, `${lang}: level ${level} has only ${count} entries`);
      }
    }
  });
});

describe('corpus - validation', () => {
  const ok = { id: 'ko-0001', text: '오늘은 날씨가 맑아요', level: 1 };

  test('a clean file has no problems', () => {
    assert.deepEqual(validateCorpusFile(fileOf('ko', [ok]), 'ko'), []);
  });

  test('duplicate text is caught and names the second entry', () => {
    const problems = validateCorpusFile(fileOf('ko', [ok, { ...ok, id: 'ko-0002' }]), 'ko');
    assert.deepEqual(problems.map((p) => [p.id, p.rule]), [['ko-0002', 'duplicate-text']]);
  });

  test('duplicate id is caught', () => {
    assert.deepEqual(rulesOf(fileOf('ko', [ok, { ...ok, text: '점심은 김밥이에요' }]), 'ko'), ['duplicate-id']);
  });

  test('anti-paste marker characters are caught', () => {
    for (const marker of ['\u200A', '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF']) {
      assert.ok(rulesOf(fileOf('ko', [{ ...ok, text: `오늘은${marker} 맑아요` }]), 'ko').includes('marker-char'));
    }
  });

  test('text longer than 120 characters is caught', () => {
    assert.deepEqual(rulesOf(fileOf('en', [{ id: 'en-0001', text: 'a'.repeat(121), level: 5 }]), 'en'), ['too-long']);
  });

  test('level outside 1-5 or fractional is caught with the entry id', () => {
    for (const level of [0, 6, 2.5]) {
      const problems = validateCorpusFile(fileOf('ko', [{ ...ok, level }]), 'ko');
      assert.deepEqual(problems.map((p) => [p.id, p.rule]), [['ko-0001', 'level']]);
    }
  });

  test('Latin letters in Korean text are caught', () => {
    assert.deepEqual(rulesOf(fileOf('ko', [{ ...ok, text: '오늘은 Slack 회의가 있어요' }]), 'ko'), ['latin-in-korean']);
  });

  test('non-ASCII in English text is caught', () => {
    assert.deepEqual(rulesOf(fileOf('en', [{ id: 'en-0001', text: 'Caf\u00e9 time', level: 1 }]), 'en'), ['ascii-only']);
  });

  test('whitespace rules are caught', () => {
    const en = (text: string) => rulesOf(fileOf('en', [{ id: 'en-0001', text, level: 1 }]), 'en');
    assert.deepEqual(en(' leading space'), ['outer-whitespace']);
    assert.deepEqual(en('two  spaces'), ['double-space']);
    assert.deepEqual(en('a\ttab'), ['control-whitespace', 'ascii-only']);
  });

  test('id pattern and id language are checked', () => {
    assert.deepEqual(rulesOf(fileOf('ko', [{ ...ok, id: 'ko-1' }]), 'ko'), ['id-pattern']);
    assert.deepEqual(rulesOf(fileOf('ko', [{ ...ok, id: 'en-0001' }]), 'ko'), ['id-lang']);
  });

  test('a wrong version is a schema problem', () => {
    assert.deepEqual(rulesOf({ version: 2, lang: 'ko', entries: [ok] }, 'ko'), ['schema']);
  });
});

describe('corpus - files', () => {
  async function withCopy(run: (dir: string) => Promise<void>): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'surfinger-corpus-'));
    try {
      await copyFile(join(SHIPPED_DIR, 'ko.json'), join(dir, 'ko.json'));
      await copyFile(join(SHIPPED_DIR, 'en.json'), join(dir, 'en.json'));
      await run(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  test('loader error names the file, the entry id and the rule', async () => {
    await withCopy(async (dir) => {
      const broken = fileOf('en', [
        { id: 'en-0001', text: 'Fresh bread smells nice', level: 1 },
        { id: 'en-0002', text: 'Fresh bread smells nice', level: 1 },
      ]);
      await writeFile(join(dir, 'en.json'), JSON.stringify(broken));
      await assert.rejects(loadCorpus(dir), (err: unknown) => {
        assert.ok(err instanceof SurfingerError);
        assert.equal(err.code, 'SF_ERR_CORPUS_INVALID');
        assert.match(err.message, /en\.json entry en-0002: duplicate-text/u);
        return true;
      });
    });
  });

  test('writeCorpusLevels round-trips and leaves no temp file', async () => {
    await withCopy(async (dir) => {
      const before = await loadCorpus(dir);
      const first = before.ko[0];
      const last = before.ko.at(-1);
      assert.ok(first !== undefined && last !== undefined);
      const levels = { [first.id]: first.level === 5 ? 4 : 5, [last.id]: 1 };
      await writeCorpusLevels(dir, 'ko', levels);
      const after = await loadCorpus(dir);
      assert.deepEqual(
        after.ko,
        before.ko.map((entry) => ({ ...entry, level: levels[entry.id] ?? entry.level })),
      );
      assert.deepEqual(after.en, before.en);
      assert.deepEqual((await readdir(dir)).sort(), ['en.json', 'ko.json']);
    });
  });

  test('writeCorpusLevels rejects unknown ids and bad levels without touching the file', async () => {
    await withCopy(async (dir) => {
      const original = await readFile(join(dir, 'en.json'), 'utf8');
      await assert.rejects(writeCorpusLevels(dir, 'en', { 'en-9999': 2 }), /unknown-id/u);
      await assert.rejects(writeCorpusLevels(dir, 'en', { 'en-0001': 9 }), /en-0001: level/u);
      assert.equal(await readFile(join(dir, 'en.json'), 'utf8'), original);
    });
  });
});
