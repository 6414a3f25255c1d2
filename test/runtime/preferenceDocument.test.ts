// The preferences document as the Preferences view reads and changes it: its lines with their provenance, read
// without making a version; a person's line without one; deleting a line is the next version at once, and a
// line that changed since it was shown is not deleted.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { preferenceEntries, preferenceStoreOf } from '../../src/node/preferences/preferenceStore.ts';

test('lines, provenance, deletion as a version, and a stale deletion refused', async () => {
  const root = mkdtempSync(join(tmpdir(), 'agent-os-prefs-'));
  try {
    const store = preferenceStoreOf(root);
    const repo = join(root, 'repo');
    assert.deepEqual(await store.document(repo), { file: store.fileOf(repo), lines: [] });
    await store.learn(repo, [
      { text: 'Document user-visible changes in the README.', sessionId: 'sesn_a', eventId: 'sevt_1' },
      { text: 'Test round trips.', sessionId: 'sesn_b', eventId: 'sevt_2' },
    ]);
    const file = store.fileOf(repo);
    writeFileSync(file, `${readFileSync(file, 'utf8')}- Keep functions short.\n`);
    const doc = await store.document(repo);
    assert.equal(doc.version, 1, 'reading makes no version');
    assert.deepEqual(
      doc.lines.map(({ text, sessionId, eventId }) => ({ text, sessionId, eventId })),
      [
        { text: 'Document user-visible changes in the README.', sessionId: 'sesn_a', eventId: 'sevt_1' },
        { text: 'Test round trips.', sessionId: 'sesn_b', eventId: 'sevt_2' },
        { text: 'Keep functions short.', sessionId: undefined, eventId: undefined },
      ],
    );
    const [, second] = doc.lines;
    // The person's edit is taken as version 2, the deletion as version 3.
    const saved = await store.removeLine(repo, second!.line, second!.text);
    assert.equal(saved.version, 3);
    assert.deepEqual(
      (await store.document(repo)).lines.map((l) => l.text),
      ['Document user-visible changes in the README.', 'Keep functions short.'],
    );
    assert.deepEqual(readdirSync(dirname(file)).sort(), ['preferences.md', 'v1.md', 'v2.md', 'v3.md']);
    assert.match(readFileSync(join(dirname(file), 'v2.md'), 'utf8'), /Test round trips/);
    await assert.rejects(store.removeLine(repo, second!.line, second!.text), {
      code: 'STATE_CONFLICT',
      message: /changed since they were shown/,
    });
    assert.equal(readdirSync(dirname(file)).length, 4, 'a refused deletion makes no version');
    // An empty repository's document is made on first open, with the header only.
    const other = join(root, 'other');
    assert.match(readFileSync(await store.ensureDocument(other), 'utf8'), /^# Preferences\n/);
    assert.deepEqual(preferenceEntries('# Preferences\n\n*  \n- x <!-- from session s, event e -->\n'), [
      { line: 3, text: 'x', sessionId: 's', eventId: 'e' },
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
