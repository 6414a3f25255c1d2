// A real git repository with a committed dev container configuration, for the dev container suites.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BASE_IMAGE } from './dockerEngine.ts';

export interface FixtureRepo {
  root: string;
  repository: string;
  storageDir: string;
  cleanup(): void;
}

export const DEFAULT_DEVCONTAINER = `{
  // JSON with comments, as the specification allows
  "name": "fixture",
  "image": "${BASE_IMAGE}",
  "remoteUser": "root",
  "updateRemoteUserUID": false,
}
`;

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
  }).trim();
}

/** `devcontainerJson` null: no configuration at all. */
export function makeFixtureRepo(devcontainerJson: string | null = DEFAULT_DEVCONTAINER): FixtureRepo {
  const root = mkdtempSync(path.join(tmpdir(), 'agent-os-dc-'));
  const repository = path.join(root, 'repo');
  mkdirSync(repository);
  git(repository, 'init', '-q', '-b', 'main');
  writeFileSync(path.join(repository, 'README.md'), '# fixture\n');
  if (devcontainerJson !== null) {
    mkdirSync(path.join(repository, '.devcontainer'));
    writeFileSync(path.join(repository, '.devcontainer', 'devcontainer.json'), devcontainerJson);
  }
  git(repository, 'add', '-A');
  git(repository, 'commit', '-qm', 'initial');
  return {
    root,
    repository,
    storageDir: path.join(root, 'storage'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
