// A write tool killed between its temp file and the rename (a crash of the harness, a kill of its process
// group) leaves the SDK's `.tmp-<pid>-<uuid>` in the session's worktree. The verdict's diff and the pull
// request's commit must not take it: it is nobody's work. Found by the reject crash test, whose branch once
// held such a temp next to the parser it was a copy of.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { commitAll } from '../../src/node/git/commitAll.ts';
import { diffWorktree } from '../../src/node/git/worktreeDiff.ts';
import { SessionRepositories } from '../../src/node/sandbox/sessionRepository.ts';
import { git, makeTestRepo, writeFiles } from './gitTestRepo.ts';

const FILE_TOOLS = join(__dirname, '..', '..', 'src', 'node', 'tools', 'fileTools.ts');

/** The real file tools in a process of their own, killed (SIGKILL) where the write would rename its temp. */
function writeKilledBeforeRename(root: string, filePath: string, content: string): void {
  const script = `
    const fsp = require('node:fs/promises');
    fsp.rename = async () => { process.kill(process.pid, 'SIGKILL'); };
    const { createFileTools } = require(${JSON.stringify(FILE_TOOLS)});
    createFileTools({ root: ${JSON.stringify(root)}, readOnly: false })
      .run({ name: 'write', input: { file_path: ${JSON.stringify(filePath)}, content: ${JSON.stringify(content)} } });
  `;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
  assert.equal(child.signal, 'SIGKILL', `the write was not killed: ${child.stderr}`);
}

test("a write killed before its rename leaves a temp the verdict's diff and the commit leave out", async (t) => {
  const repo = makeTestRepo({ 'README.md': '# test\n', 'src/parse.js': 'old\n' });
  t.after(() => repo.cleanup());
  const base = git(repo.work, 'rev-parse', 'HEAD').trim();
  writeKilledBeforeRename(repo.work, 'src/parse.js', 'new\n');
  writeKilledBeforeRename(repo.work, 'top.js', 'top\n');
  const temps = [...readdirSync(join(repo.work, 'src')).map((name) => `src/${name}`), ...readdirSync(repo.work)].filter(
    (name) => /(^|\/)\.tmp-\d+-/.test(name),
  );
  assert.equal(temps.length, 2, 'the SDK no longer leaves `.tmp-<pid>-<uuid>`: update WRITE_TEMP_GLOB');
  // The agents' real work, including names close to a temp's, is kept.
  writeFiles(repo.work, { 'src/parse.js': 'new\n', '.tmp-notes': 'kept\n', 'src/.tmp-1-not-a-uuid': 'kept\n' });

  const diff = await diffWorktree(repo.work, base);
  assert.deepEqual(diff.files.map((f) => f.path).sort(), ['.tmp-notes', 'src/.tmp-1-not-a-uuid', 'src/parse.js']);
  assert.ok(!temps.some((name) => diff.patch.includes(name)), 'a temp is in the patch');

  const { commit } = await commitAll(repo.work, { message: 'the work' });
  const committed = git(repo.work, 'ls-tree', '-r', '--name-only', commit).split('\n').filter(Boolean).sort();
  assert.deepEqual(committed, ['.tmp-notes', 'README.md', 'src/.tmp-1-not-a-uuid', 'src/parse.js']);
  assert.equal((await diffWorktree(repo.work, commit)).files.length, 0, 'the commit is what the verdict saw');
});

test("a session's repository hides a killed write's temp from the agents' git status, not their own files", async (t) => {
  const repo = makeTestRepo({ 'README.md': '# test\n' });
  t.after(() => repo.cleanup());
  const repos = new SessionRepositories({ storageDir: join(repo.root, 'storage'), repository: repo.work });
  const { workdir } = await repos.ensureSession('sesn_temps');
  writeKilledBeforeRename(workdir, 'README.md', '# changed\n');
  writeFiles(workdir, { '.tmp-notes': 'kept\n' });
  assert.deepEqual(git(workdir, 'status', '--porcelain').split('\n').filter(Boolean), ['?? .tmp-notes']);
});
