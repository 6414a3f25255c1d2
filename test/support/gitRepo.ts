// A real git repository in a temp folder, for tests that need one.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface TempRepo {
  root: string;
  repo: string;
  git(...args: string[]): string;
  cleanup(): void;
}

export function makeTempRepo(files: Record<string, string> = { 'README.md': '# sample\n' }): TempRepo {
  const root = mkdtempSync(join(tmpdir(), 'agent-os-test-'));
  const repo = join(root, 'repo');
  mkdirSync(repo);
  const git = (...args: string[]): string =>
    execFileSync('git', args, {
      cwd: repo,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@localhost',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@localhost',
      },
    });
  git('init', '-q', '-b', 'main');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), content);
  }
  git('add', '-A');
  git('commit', '-qm', 'initial');
  return { root, repo, git, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
