// Every error code names a failure that happens: each code of AgentOsErrorCode is thrown by product code —
// directly (`new AgentOsError('CODE', …)`), or through an error class of src/core/errors.ts that product code
// constructs or extends. A code nothing throws is a promise callers branch on in vain; remove it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { SessionMeta } from '../../src/core/session/sessionStore.ts';
import { ManagedStateFile } from '../../src/node/managed/managedState.ts';
import { repositoryOf } from '../../src/node/runtime/harnessAssembly.ts';

const repo = resolve(__dirname, '../..');
const errorsFile = join(repo, 'src', 'core', 'errors.ts');

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      // The test kit counts: the CLI's demo and scripted-model commands ship it (INVALID_SCRIPT is its own).
      if (name !== 'fixtures') sources(full, out);
    } else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && full !== errorsFile) out.push(full);
  }
  return out;
}

test('every error code is thrown by product code', () => {
  const errors = readFileSync(errorsFile, 'utf8');
  const union = /export type AgentOsErrorCode =([^;]*);/.exec(errors)?.[1] ?? '';
  const codes = [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]!);
  assert.ok(codes.length > 10, 'the union was read');
  // Each error class of errors.ts and the code it passes to super.
  const classes = [...errors.matchAll(/export class (\w+) extends AgentOsError \{[\s\S]*?super\(\s*'([A-Z_]+)'/g)].map(
    (m) => ({ name: m[1]!, code: m[2]! }),
  );
  const product = sources(join(repo, 'src')).map((file) => ({
    file: relative(repo, file),
    text: readFileSync(file, 'utf8'),
  }));
  const unthrown = codes.filter((code) => {
    if (product.some((f) => f.text.includes(`'${code}'`))) return false;
    const names = classes.filter((c) => c.code === code).map((c) => c.name);
    return !product.some((f) => names.some((n) => new RegExp(`\\b(new|extends) ${n}\\b`).test(f.text)));
  });
  assert.deepEqual(unthrown, [], `codes no product code throws: ${unthrown.join(', ')}`);
});

test('damaged state is STATE_CORRUPT, naming the file and what to do, not INVALID_ARGUMENT', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentos-state-'));
  try {
    const state = ManagedStateFile.inStore(dir, 'http://platform');
    await state.update((s) => s);
    writeFileSync(join(dir, '.managed', 'platform.json'), '{"http://platform": {');
    await assert.rejects(state.read(), {
      code: 'STATE_CORRUPT',
      message: /platform\.json is not valid JSON.*remove it/,
    });
    assert.throws(() => repositoryOf({ id: 's1', title: 't', createdAt: '', metadata: {} } as unknown as SessionMeta), {
      code: 'STATE_CORRUPT',
      message: /session s1 has no repository/,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
