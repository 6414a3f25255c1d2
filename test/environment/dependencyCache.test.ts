// The dependency cache: each sandbox gets a copy of its own (never a link to the cache's files), symbolic
// links inside the dependencies kept as links, given once per folder the host made, and made again for a
// folder the host made again. Copies run through the real confined copy: unconfined and in the OS sandbox.
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DependencyCache, diskUsage, type ConfinedCopier } from '../../src/node/environment/dependencyCache.ts';
import { environmentCacheKey } from '../../src/node/environment/cacheKey.ts';
import { confinedCopy } from '../../src/node/sandbox/confinedCopy.ts';
import { hostConfinement, osConfinement, type Confinement } from '../../src/node/sandbox/confinement.ts';
import { shutdownOsSandbox } from '../../src/node/sandbox/osSandbox.ts';
import { requireOsSandbox, type Requirement } from '../support/requirements.ts';

function world(makeConfinement: (root: string) => Confinement = () => hostConfinement()) {
  const root = mkdtempSync(join(tmpdir(), 'agent-os-cache-'));
  const confinement = makeConfinement(root);
  const work = join(root, 'work');
  mkdirSync(join(work, 'node_modules', 'pkg', 'lib'), { recursive: true });
  writeFileSync(join(work, 'node_modules', 'pkg', 'lib', 'index.js'), 'module.exports = 1;\n'.repeat(40000));
  writeFileSync(join(work, 'node_modules', 'pkg', 'package.json'), '{"name":"pkg"}');
  mkdirSync(join(work, 'node_modules', '.bin'));
  symlinkSync('../pkg/lib/index.js', join(work, 'node_modules', '.bin', 'pkg'));
  writeFileSync(join(work, 'package-lock.json'), '{"lockfileVersion":3}');
  mkdirSync(join(root, 'home'));
  const copy: ConfinedCopier = (request) =>
    confinedCopy(
      confinement,
      {
        workdir: request.to,
        writable: true,
        allowedDomains: [],
        scratchHome: join(root, 'home'),
        vault: join(root, 'vault'),
      },
      request,
    );
  return {
    root,
    work,
    copy,
    cache: new DependencyCache(join(root, 'store', 'cache')),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

const KEY = 'a'.repeat(32);

const CONFINEMENTS: { name: string; make: (root: string) => Confinement; needs?: () => Promise<Requirement> }[] = [
  { name: 'unconfined', make: () => hostConfinement() },
  // The store (where the cache lives) is hidden from sandboxes, as in a session.
  {
    name: 'OS sandbox',
    make: (root) =>
      osConfinement({
        repository: join(root, 'person-repo'),
        repositoryObjects: join(root, 'person-repo', '.git', 'objects'),
        store: join(root, 'store'),
      }),
    needs: requireOsSandbox,
  },
];

test.after(() => shutdownOsSandbox());

for (const c of CONFINEMENTS) {
  test(`${c.name}: saved and restored as copies of their own, symbolic links kept, once per folder`, async (t) => {
    const why = await c.needs?.();
    if (why) return t.skip(why);
    const w = world(c.make);
    try {
      const saved = await w.cache.save(KEY, w.work, ['node_modules', 'missing-dir'], undefined, w.copy);
      assert.deepEqual(saved.dirs, ['node_modules'], 'a folder the set-up did not make is left out');
      const file = (dir: string) => join(dir, 'node_modules', 'pkg', 'lib', 'index.js');
      const inCache = join(w.cache.entryDir(KEY), 'files');
      assert.notEqual(
        statSync(file(w.work)).ino,
        statSync(file(inCache)).ino,
        "the cache holds a copy, not the set-up's files",
      );
      assert.equal(await w.cache.given.has(w.work, KEY), true, "the set-up's folder has the entry already");

      const other = join(w.root, 'clean-room');
      mkdirSync(other);
      const restored = await w.cache.restore(KEY, other, w.copy);
      assert.deepEqual(restored?.copied, ['node_modules']);
      assert.notEqual(statSync(file(other)).ino, statSync(file(inCache)).ino, 'a copy of its own');
      assert.ok(lstatSync(join(other, 'node_modules', '.bin', 'pkg')).isSymbolicLink());
      assert.equal(
        readFileSync(join(other, 'node_modules', '.bin', 'pkg'), 'utf8').length,
        'module.exports = 1;\n'.length * 40000,
      );
      assert.ok((statSync(file(other)).mode & 0o200) !== 0, "the copy is its agent's to change");
      writeFileSync(file(other), 'changed by an agent');
      assert.equal(
        readFileSync(file(inCache), 'utf8').length,
        'module.exports = 1;\n'.length * 40000,
        'the cache is unchanged',
      );
      assert.deepEqual(
        (await w.cache.restore(KEY, other, w.copy))?.copied,
        [],
        'a folder given once keeps what its agent did',
      );

      // The host makes the folder again (a clean room at each opening): it gets a fresh copy, whatever the
      // new folder holds.
      rmSync(other, { recursive: true });
      mkdirSync(join(other, 'node_modules', 'pkg', 'lib'), { recursive: true });
      writeFileSync(file(other), 'committed by an agent');
      assert.deepEqual((await w.cache.restore(KEY, other, w.copy))?.copied, ['node_modules']);
      assert.equal(readFileSync(file(other), 'utf8').length, 'module.exports = 1;\n'.length * 40000);
    } finally {
      w.cleanup();
    }
  });

  test(`${c.name}: a link in place of a folder on the way, or of the folder itself, is never followed`, async (t) => {
    const why = await c.needs?.();
    if (why) return t.skip(why);
    const w = world(c.make);
    try {
      mkdirSync(join(w.work, 'packages', 'a', 'node_modules', 'dep'), { recursive: true });
      writeFileSync(join(w.work, 'packages', 'a', 'node_modules', 'dep', 'index.js'), 'dep');
      await w.cache.save(KEY, w.work, ['node_modules', 'packages/a/node_modules'], undefined, w.copy);
      const person = join(w.root, 'person');
      mkdirSync(join(person, 'node_modules'), { recursive: true });
      writeFileSync(join(person, 'node_modules', 'keep.txt'), 'keep');
      const sandbox = join(w.root, 'sandbox');
      mkdirSync(join(sandbox, 'packages'), { recursive: true });
      symlinkSync(person, join(sandbox, 'packages', 'a'));
      symlinkSync(join(person, 'node_modules'), join(sandbox, 'node_modules'));
      const restored = await w.cache.restore(KEY, sandbox, w.copy);
      assert.deepEqual(restored?.copied, ['node_modules'], 'the link itself is replaced by the copy');
      assert.deepEqual(restored?.skipped, [
        { path: 'packages/a/node_modules', reason: 'packages/a is a symbolic link' },
      ]);
      assert.ok(!lstatSync(join(sandbox, 'node_modules')).isSymbolicLink());
      assert.equal(
        readFileSync(join(person, 'node_modules', 'keep.txt'), 'utf8'),
        'keep',
        "the person's folder is untouched",
      );
      assert.throws(() => statSync(join(person, 'node_modules', 'pkg')), 'nothing was copied into it');
    } finally {
      w.cleanup();
    }
  });
}

test('the key changes with the lockfile, the command, the sandbox kind and the image', async () => {
  const w = world();
  try {
    const plan = { setup: ['npm ci'], env: {}, lockfiles: ['package-lock.json'], cacheDirectories: ['node_modules'] };
    const base = await environmentCacheKey(w.work, { plan, sandboxKind: 'bubblewrap', image: 'host' });
    assert.equal(await environmentCacheKey(w.work, { plan, sandboxKind: 'bubblewrap', image: 'host' }), base);
    assert.notEqual(
      await environmentCacheKey(w.work, {
        plan: { ...plan, setup: ['npm install'] },
        sandboxKind: 'bubblewrap',
        image: 'host',
      }),
      base,
    );
    assert.notEqual(await environmentCacheKey(w.work, { plan, sandboxKind: 'devcontainer', image: 'host' }), base);
    assert.notEqual(await environmentCacheKey(w.work, { plan, sandboxKind: 'bubblewrap', image: 'node:22' }), base);
    writeFileSync(join(w.work, 'package-lock.json'), '{"lockfileVersion":3,"packages":{}}');
    assert.notEqual(await environmentCacheKey(w.work, { plan, sandboxKind: 'bubblewrap', image: 'host' }), base);
  } finally {
    w.cleanup();
  }
});

test('an entry of the hard-linked format is not used; list, clear, and the sessions keep their files', async () => {
  const w = world();
  try {
    const old = w.cache.entryDir('b'.repeat(32));
    mkdirSync(join(old, 'files'), { recursive: true });
    writeFileSync(
      join(old, 'manifest.json'),
      JSON.stringify({ key: 'b'.repeat(32), dirs: ['node_modules'], files: {} }),
    );
    assert.equal(await w.cache.restore('b'.repeat(32), join(w.root, 'x'), w.copy), undefined);
    await w.cache.save(KEY, w.work, ['node_modules'], 'npm test', w.copy);
    assert.deepEqual(
      (await w.cache.list()).map((e) => [e.key, e.testCommand]),
      [[KEY, 'npm test']],
    );
    assert.ok((await diskUsage([w.cache.entryDir(KEY)])) > 700_000);
    assert.equal(await w.cache.clear(), 2);
    assert.deepEqual(await w.cache.list(), []);
    assert.ok(statSync(join(w.work, 'node_modules', 'pkg', 'package.json')).isFile(), 'the session keeps its files');
  } finally {
    w.cleanup();
  }
});
