// Real repositories for git tests: a working repository with one commit and, on request, a bare remote.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@localhost', ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' },
  });
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

export interface TestRepo {
  root: string;
  work: string;
  bare: string;
  cleanup(): void;
}

export function makeTestRepo(files: Record<string, string> = { 'README.md': '# test\n' }): TestRepo {
  const root = mkdtempSync(join(tmpdir(), 'agent-os-git-'));
  const work = join(root, 'work');
  const bare = join(root, 'origin.git');
  mkdirSync(work);
  git(root, 'init', '-q', '--bare', '-b', 'main', bare);
  git(work, 'init', '-q', '-b', 'main');
  writeFiles(work, files);
  git(work, 'add', '-A');
  git(work, 'commit', '-qm', 'initial');
  git(work, 'remote', 'add', 'origin', bare);
  git(work, 'push', '-q', 'origin', 'main');
  return { root, work, bare, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Makes the bare repository refuse every push, as a protected remote would. */
export function rejectPushes(bare: string, reason: string): void {
  const hook = join(bare, 'hooks', 'pre-receive');
  writeFileSync(hook, `#!/bin/sh\necho "${reason}" >&2\nexit 1\n`);
  chmodSync(hook, 0o755);
}

/** Undoes `rejectPushes`: the remote takes pushes again. */
export function acceptPushes(bare: string): void {
  rmSync(join(bare, 'hooks', 'pre-receive'), { force: true });
}
