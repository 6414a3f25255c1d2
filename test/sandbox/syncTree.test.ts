import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syncTree } from '../../src/node/sandbox/syncTree.ts';

describe('syncTree', () => {
  const base = mkdtempSync(join(tmpdir(), 'agentos-sync-'));
  after(() => rmSync(base, { recursive: true, force: true }));

  it('copies files, links and modes, removes extras, and then copies only what changed', async () => {
    const src = join(base, 'src');
    const dst = join(base, 'dst');
    mkdirSync(join(src, 'd', 'e'), { recursive: true });
    mkdirSync(join(src, '.git'));
    writeFileSync(join(src, '.git', 'HEAD'), 'source git');
    writeFileSync(join(src, 'a.txt'), 'a');
    writeFileSync(join(src, 'd', 'e', 'run.sh'), '#!/bin/sh\n');
    chmodSync(join(src, 'd', 'e', 'run.sh'), 0o755);
    symlinkSync('a.txt', join(src, 'link'));
    mkdirSync(join(dst, '.git'), { recursive: true });
    writeFileSync(join(dst, '.git', 'HEAD'), 'target git');
    writeFileSync(join(dst, 'stale.txt'), 'old');

    const first = await syncTree(src, dst, { excludeTopLevel: ['.git'] });
    assert.equal(readFileSync(join(dst, 'a.txt'), 'utf8'), 'a');
    assert.equal(statSync(join(dst, 'd', 'e', 'run.sh')).mode & 0o777, 0o755);
    assert.equal(readlinkSync(join(dst, 'link')), 'a.txt');
    assert.equal(existsSync(join(dst, 'stale.txt')), false);
    assert.equal(readFileSync(join(dst, '.git', 'HEAD'), 'utf8'), 'target git', 'excluded entries are left alone');
    assert.deepEqual(first, { copied: 3, removed: 1, unchanged: 0 });

    // The copy is changed behind our back; the next sync restores exactly that file.
    writeFileSync(join(dst, 'a.txt'), 'changed by a reader');
    writeFileSync(join(dst, 'd', 'new.txt'), 'made by a reader');
    const second = await syncTree(src, dst, { excludeTopLevel: ['.git'] });
    assert.deepEqual(second, { copied: 1, removed: 1, unchanged: 2 });
    assert.equal(readFileSync(join(dst, 'a.txt'), 'utf8'), 'a');
    assert.equal(existsSync(join(dst, 'd', 'new.txt')), false);
  });
});
