import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { removeStaleTempFiles } from '../../src/node/sandbox/staleTempFiles.ts';
import { makeTempRepo } from '../support/gitRepo.ts';

test('temp files of a killed writer are removed on wake; a live writer\'s and ordinary files stay', async () => {
  const repo = makeTempRepo();
  try {
    mkdirSync(join(repo.repo, 'src'));
    // pid 2^22+7 is above Linux's pid_max default range: no such process runs.
    const dead = join('src', `.tmp-4194311-${randomUUID()}`);
    const mine = `.tmp-${process.pid}-${randomUUID()}`;
    const ordinary = join('src', '.tmp-notes.txt');
    for (const f of [dead, mine, ordinary]) writeFileSync(join(repo.repo, f), 'x');
    const removed = await removeStaleTempFiles(repo.repo);
    assert.deepEqual(removed, [dead]);
    assert.equal(existsSync(join(repo.repo, dead)), false);
    assert.equal(existsSync(join(repo.repo, mine)), true);
    assert.equal(existsSync(join(repo.repo, ordinary)), true);
  } finally {
    repo.cleanup();
  }
});
