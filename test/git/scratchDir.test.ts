// Scratch folders (a bundle on its way into the vault, a scratch index for the verdict's diff) of a process
// killed while it used them are removed by the next process that makes one: crash loops once left hundreds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sweepScratchDirs, withScratchDir } from '../../src/node/scratchDir.ts';

const SCRATCH = join(__dirname, '..', '..', 'src', 'node', 'scratchDir.ts');

/** A process that makes a scratch folder in `root`, writes into it, and is SIGKILLed before it removes it. */
function killedWhileUsingScratch(root: string): void {
  const script = `
    const { withScratchDir } = require(${JSON.stringify(SCRATCH)});
    withScratchDir('bundle', async (dir) => {
      require('node:fs').writeFileSync(dir + '/work.bundle', 'half');
      process.kill(process.pid, 'SIGKILL');
    });
  `;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, TMPDIR: root },
  });
  assert.equal(child.signal, 'SIGKILL', `the child was not killed: ${child.stderr}`);
}

test("a killed process's scratch folders are swept; live processes' folders and other names stay", async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'scratch-sweep-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const ours = (): string[] => readdirSync(root).filter((name) => name.startsWith('agent-os-')); // tsx keeps a cache here too
  killedWhileUsingScratch(root);
  const [first] = ours();
  assert.match(first ?? '', /^agent-os-bundle-\d+-/, 'the killed process left its folder');
  killedWhileUsingScratch(root);
  const [second, ...more] = ours();
  assert.deepEqual(more, [], "the next process's first scratch folder swept the earlier one");
  assert.notEqual(second, first);
  const dead = `agent-os-index-${/-(\d+)-/.exec(second ?? '')?.[1]}-Zz09Aa`;
  mkdirSync(join(root, dead));
  const live = `agent-os-index-${process.ppid}-abcdef`; // our parent runs
  const other = 'agent-os-bundle-notes';
  for (const name of [live, other]) mkdirSync(join(root, name));
  writeFileSync(join(root, 'agent-os-index-1-x'), 'a file of the same shape is not ours either');

  assert.equal(
    await sweepScratchDirs(root),
    2,
    'the second killed process left its folder, and a dead pid is dead for every name',
  );
  assert.deepEqual(ours().sort(), [live, other, 'agent-os-index-1-x'].sort());
  assert.equal(await sweepScratchDirs(join(root, 'missing')), 0, 'a missing temp folder is no error');
});

test('a scratch folder is gone after its use, whether the use succeeded or threw', async () => {
  let seen = '';
  assert.equal(
    await withScratchDir('index', async (dir) => {
      seen = dir;
      writeFileSync(join(dir, 'index'), 'x');
      return 42;
    }),
    42,
  );
  assert.match(seen, new RegExp(`agent-os-index-${process.pid}-`));
  assert.equal(existsSync(seen), false);
  await assert.rejects(
    withScratchDir('index', async (dir) => {
      seen = dir;
      throw new Error('git failed');
    }),
    /git failed/,
  );
  assert.equal(existsSync(seen), false);
});
