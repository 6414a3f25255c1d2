// A real git repository with a committed dev container configuration, for the dev container suites.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  DevcontainerSandboxProvider,
  type DevcontainerSandboxProviderOptions,
} from '../../src/node/sandbox/devcontainer/devcontainerSandboxProvider.ts';
import { owningSession } from '../../src/node/sandbox/devcontainer/sessionContainers.ts';
import { devcontainerStateDir } from '../../src/node/sandbox/sandboxChoice.ts';
import { SessionRepositories } from '../../src/node/sandbox/sessionRepository.ts';
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
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    },
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

/** The session repositories of a fixture, as the runtime makes them (repos/<id>, vault/<id>.git). */
export function fixtureRepositories(fixture: FixtureRepo): SessionRepositories {
  return new SessionRepositories({ storageDir: fixture.storageDir, repository: fixture.repository });
}

/**
 * A dev container provider over a fixture's session repositories, wired as chosenSessionSandboxes wires it
 * (the session's repository made before the provider mounts it, the borrowed object stores), for tests of
 * the provider itself; the runtime's composition is tested through chosenSessionSandboxes.
 */
export function fixtureProvider(
  fixture: FixtureRepo,
  options: Partial<DevcontainerSandboxProviderOptions> = {},
): DevcontainerSandboxProvider {
  const repos = fixtureRepositories(fixture);
  return new DevcontainerSandboxProvider({
    worktrees: {
      ensureWorktree: async (id) => ({ worktree: (await repos.ensureSession(id)).workdir }),
      removeSession: (id) => repos.remove(id),
    },
    stateDir: devcontainerStateDir(fixture.storageDir),
    borrowedObjects: async (id) => [
      await repos.repositoryObjects(),
      path.join(repos.vaultPath(owningSession(id)), 'objects'),
    ],
    ...options,
  });
}
