// The glob tool for a Node without fs.glob (Node 20), run on every Node here so that CI on a newer Node proves it
// too: the answers of the SDK's glob (fileTools.test.ts checks those through createFileTools on the Node it runs).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, utimesSync, rmSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { globWithoutFsGlob } from '../../src/node/tools/globWithoutFsGlob.ts';

describe('glob without fs.glob', () => {
  let base: string;
  let root: string;
  let glob: ReturnType<typeof globWithoutFsGlob>;

  before(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), 'agentos-glob-')));
    root = join(base, 'root');
    for (const dir of ['g', 'src', '.git', 'node_modules/dep', 'many']) mkdirSync(join(root, dir), { recursive: true });
    mkdirSync(join(base, 'outside'));
    writeFileSync(join(base, 'outside', 'secret.md'), 'top secret\n');
    for (const [name, age] of [
      ['old.md', 300],
      ['mid.md', 200],
      ['new.md', 100],
    ] as const) {
      writeFileSync(join(root, 'g', name), name);
      const t = Date.now() / 1000 - age;
      utimesSync(join(root, 'g', name), t, t);
    }
    writeFileSync(join(root, 'src', 'a.ts'), 'export {};\n');
    writeFileSync(join(root, '.git', 'x.md'), 'inside git');
    writeFileSync(join(root, 'node_modules', 'dep', 'readme.md'), 'a dependency');
    for (let i = 0; i < 250; i++) writeFileSync(join(root, 'many', `f${i}.txt`), String(i));
    symlinkSync(join(base, 'outside'), join(root, 'link-out'));
    symlinkSync(join(base, 'outside', 'secret.md'), join(root, 'secret-link.md'));
    glob = globWithoutFsGlob({ workdir: root, readOnlyRoots: [] });
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('lists regular files newest first, without .git, node_modules or what links lead out to', async () => {
    const result = await glob.run({ pattern: '**/*.md' });
    assert.deepEqual(result.split('\n'), [
      join(root, 'g', 'new.md'),
      join(root, 'g', 'mid.md'),
      join(root, 'g', 'old.md'),
    ]);
    assert.doesNotMatch(result, /secret|inside git|dep/);
  });

  it('searches under a path, and says when nothing matches', async () => {
    assert.equal(await glob.run({ pattern: '*.ts', path: 'src' }), join(root, 'src', 'a.ts'));
    assert.equal(await glob.run({ pattern: '*.nothing' }), 'no matches');
  });

  it('shows at most 200 matches', async () => {
    assert.equal((await glob.run({ pattern: 'many/*.txt' })).split('\n').length, 200);
  });

  it('refuses what would look outside the root, with a clear error', async () => {
    const refused: [Parameters<typeof glob.run>[0], RegExp][] = [
      [{ pattern: '../outside/*' }, /"\.\." is not permitted/],
      [{ pattern: '{a,..}/*' }, /"\.\." is not permitted/],
      [{ pattern: join(base, 'outside', '*') }, /absolute pattern not permitted/],
      [{ pattern: '*', path: '../outside' }, /./],
      [{ pattern: '*', path: 'link-out' }, /./],
      [{ pattern: '' }, /pattern is required/],
    ];
    for (const [input, message] of refused) {
      await assert.rejects(glob.run(input), message, JSON.stringify(input));
    }
    assert.equal(await glob.run({ pattern: 'link-out/*' }), 'no matches');
  });
});
