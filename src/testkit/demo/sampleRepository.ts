// Makes the demo's sample repository fresh: the fixture project with one commit on `main`, and a bare
// repository as its `origin`, which the GitHub stand-in checks pull requests against.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InvalidArgumentError } from '../../core/errors.ts';
import type { StandInRepositorySeed } from '../github/githubStandIn.ts';
import { openGit, runGit } from '../../node/git/gitClient.ts';
import { headCommit } from '../../node/git/commits.ts';
import { pushBranch } from '../../node/git/pushBranch.ts';
import { sampleFiles } from './fixture/files.ts';
import { sampleIssue, sampleOwner, sampleRepo, type SampleIssue } from './fixture/issue.ts';

export interface SampleRepository {
  /** The working repository, on `main`, clean. */
  workdir: string;
  /** Its `origin`: a bare repository. */
  barePath: string;
  defaultBranch: string;
  /** The one commit on `main`; the same on every run (fixed identity and dates). */
  baseCommit: string;
  owner: string;
  repo: string;
  issue: SampleIssue;
  /** What to give GitHubStandIn.start({ repositories: [...] }). */
  standInRepository: StandInRepositorySeed;
  /** What to give findRemoteRepository: the bare path stands for owner/repo. */
  localRemotes: Record<string, { owner: string; repo: string }>;
}

const maintainer = { name: 'Duration Kit Maintainers', email: 'maintainers@duration-kit.localhost' };
const initialDate = '2026-01-05T09:00:00Z';

/** Creates `<dir>/duration-kit` and `<dir>/duration-kit.git`; INVALID_ARGUMENT if either exists and is not empty. */
export async function createSampleRepository(dir: string): Promise<SampleRepository> {
  const root = resolve(dir);
  const workdir = join(root, sampleRepo);
  const barePath = join(root, `${sampleRepo}.git`);
  for (const path of [workdir, barePath]) {
    const entries = await readdir(path).catch(() => []);
    if (entries.length > 0) throw new InvalidArgumentError(`cannot make the sample repository: ${path} is not empty`);
    await mkdir(path, { recursive: true });
  }
  const branch = 'main';
  await runGit('init --bare', () => openGit(barePath).raw(['init', '--quiet', '--bare', `--initial-branch=${branch}`]));
  await runGit('init', () => openGit(workdir).raw(['init', '--quiet', `--initial-branch=${branch}`]));
  for (const [path, content] of Object.entries(sampleFiles)) {
    const target = join(workdir, ...path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  const git = openGit(workdir, {
    // The maintainers' identity and fixed dates make the base commit the same on every run; signing is
    // off so a person's global `commit.gpgsign` cannot stop the demo at a passphrase prompt.
    config: [`user.name=${maintainer.name}`, `user.email=${maintainer.email}`, 'commit.gpgsign=false'],
    env: { GIT_AUTHOR_DATE: initialDate, GIT_COMMITTER_DATE: initialDate },
  });
  await runGit('add', () => git.raw(['add', '-A']));
  await runGit('commit', () => git.raw(['commit', '--quiet', '--no-verify', '-m', 'duration-kit 1.2.0']));
  await runGit('remote add', () => git.raw(['remote', 'add', 'origin', barePath]));
  await pushBranch(workdir, 'origin', branch);
  await runGit('branch --set-upstream-to', () =>
    git.raw(['branch', '--quiet', `--set-upstream-to=origin/${branch}`, branch]),
  );
  return {
    workdir,
    barePath,
    defaultBranch: branch,
    baseCommit: await headCommit(workdir),
    owner: sampleOwner,
    repo: sampleRepo,
    issue: sampleIssue,
    standInRepository: {
      owner: sampleOwner,
      repo: sampleRepo,
      defaultBranch: branch,
      barePath,
      issues: [{ ...sampleIssue, state: 'open' }],
    },
    localRemotes: { [barePath]: { owner: sampleOwner, repo: sampleRepo } },
  };
}
