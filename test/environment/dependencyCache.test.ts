// The dependency cache: kept by hard links (no copy), restored the same way, read-only, and dropped when a
// cached file changed since the entry was made.
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DependencyCache, diskUsage } from '../../src/node/environment/dependencyCache.ts';
import { environmentCacheKey } from '../../src/node/environment/cacheKey.ts';

function world() {
  const root = mkdtempSync(join(tmpdir(), 'agent-os-cache-'));
  const work = join(root, 'work');
  mkdirSync(join(work, 'node_modules', 'pkg', 'lib'), { recursive: true });
  writeFileSync(join(work, 'node_modules', 'pkg', 'lib', 'index.js'), 'module.exports = 1;\n'.repeat(40000));
  writeFileSync(join(work, 'node_modules', 'pkg', 'package.json'), '{"name":"pkg"}');
  mkdirSync(join(work, 'node_modules', '.bin'));
  symlinkSync('../pkg/lib/index.js', join(work, 'node_modules', '.bin', 'pkg'));
  writeFileSync(join(work, 'package-lock.json'), '{"lockfileVersion":3}');
  return { root, work, cache: new DependencyCache(join(root, 'cache')), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const KEY = 'a'.repeat(32);

test('saved and restored by hard links: every sandbox shares the same files, symbolic links kept', async () => {
  const w = world();
  try {
    const saved = await w.cache.save(KEY, w.work, ['node_modules', 'missing-dir']);
    assert.deepEqual(saved.dirs, ['node_modules'], 'a folder the set-up did not make is left out');
    const other = join(w.root, 'clean-room');
    mkdirSync(other);
    const restored = await w.cache.restore(KEY, other);
    assert.deepEqual(restored?.dirs, ['node_modules']);
    const a = statSync(join(w.work, 'node_modules', 'pkg', 'lib', 'index.js'));
    const b = statSync(join(other, 'node_modules', 'pkg', 'lib', 'index.js'));
    assert.equal(a.ino, b.ino, 'one file on disk');
    assert.equal(a.mode & 0o222, 0, 'cached files are read-only');
    assert.ok(lstatSync(join(other, 'node_modules', '.bin', 'pkg')).isSymbolicLink());
    assert.equal(readFileSync(join(other, 'node_modules', '.bin', 'pkg'), 'utf8').length, 'module.exports = 1;\n'.length * 40000);
    const one = await diskUsage([join(w.work, 'node_modules')]);
    const both = await diskUsage([join(w.work, 'node_modules'), join(other, 'node_modules'), w.cache.root]);
    assert.ok(both < one * 1.5, `links add no copy (${one} bytes alone, ${both} with the cache and a second tree)`);
    assert.equal((await w.cache.restore(KEY, other))?.linked, 0, 'restoring where it already is links nothing');
  } finally {
    w.cleanup();
  }
});

test('a leftover in the target (a full copy, an old install) is replaced', async () => {
  const w = world();
  try {
    await w.cache.save(KEY, w.work, ['node_modules']);
    const other = join(w.root, 'snapshot');
    mkdirSync(join(other, 'node_modules', 'stale'), { recursive: true });
    writeFileSync(join(other, 'node_modules', 'stale', 'x.js'), 'old');
    await w.cache.restore(KEY, other);
    assert.throws(() => statSync(join(other, 'node_modules', 'stale')));
  } finally {
    w.cleanup();
  }
});

test('a cached file changed through a link (an agent writing into node_modules) drops the entry', async () => {
  const w = world();
  try {
    await w.cache.save(KEY, w.work, ['node_modules']);
    const file = join(w.work, 'node_modules', 'pkg', 'package.json');
    // What a process that ignores the read-only bit (root, or chmod first) can do: chmod first, as a
    // non-root agent would (the file is its own).
    chmodSync(file, 0o644);
    writeFileSync(file, '{"name":"pkg","evil":true}', { flag: 'r+' });
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const other = join(w.root, 'next-session');
    mkdirSync(other);
    assert.equal(await w.cache.restore(KEY, other), undefined);
    assert.equal(await w.cache.has(KEY), false, 'the poisoned entry is gone; the set-up runs again');
  } finally {
    w.cleanup();
  }
});

test('the key changes with the lockfile, the command, the sandbox kind and the image', async () => {
  const w = world();
  try {
    const plan = { setup: ['npm ci'], env: {}, lockfiles: ['package-lock.json'], cacheDirectories: ['node_modules'] };
    const base = await environmentCacheKey(w.work, { plan, sandboxKind: 'bubblewrap', image: 'host' });
    assert.equal(await environmentCacheKey(w.work, { plan, sandboxKind: 'bubblewrap', image: 'host' }), base);
    assert.notEqual(await environmentCacheKey(w.work, { plan: { ...plan, setup: ['npm install'] }, sandboxKind: 'bubblewrap', image: 'host' }), base);
    assert.notEqual(await environmentCacheKey(w.work, { plan, sandboxKind: 'devcontainer', image: 'host' }), base);
    assert.notEqual(await environmentCacheKey(w.work, { plan, sandboxKind: 'bubblewrap', image: 'node:22' }), base);
    writeFileSync(join(w.work, 'package-lock.json'), '{"lockfileVersion":3,"packages":{}}');
    assert.notEqual(await environmentCacheKey(w.work, { plan, sandboxKind: 'bubblewrap', image: 'host' }), base);
  } finally {
    w.cleanup();
  }
});

test('list and clear', async () => {
  const w = world();
  try {
    await w.cache.save(KEY, w.work, ['node_modules'], 'npm test');
    assert.deepEqual((await w.cache.list()).map((e) => [e.key, e.testCommand]), [[KEY, 'npm test']]);
    assert.equal(await w.cache.clear(), 1);
    assert.deepEqual(await w.cache.list(), []);
    assert.ok(statSync(join(w.work, 'node_modules', 'pkg', 'package.json')).isFile(), 'the session keeps its files');
  } finally {
    w.cleanup();
  }
});
