// The commits a verdict is tied to: the base the session started from and the head it ends at.
import { openGit, runGit, type GitIdentity } from './gitClient.ts';

/** The full sha of HEAD. */
export async function headCommit(dir: string): Promise<string> {
  return resolveCommit(dir, 'HEAD');
}

/** The full sha of a branch, tag or commit; GIT_FAILED when it names nothing. */
export async function resolveCommit(dir: string, ref: string): Promise<string> {
  return runGit(`rev-parse ${ref}`, async () =>
    (await openGit(dir).raw(['rev-parse', '--verify', '--end-of-options', `${ref}^{commit}`])).trim(),
  );
}

/** Where HEAD left `baseRef`: the commit the work is measured against. */
export async function baseCommit(dir: string, baseRef: string): Promise<string> {
  return runGit(`merge-base HEAD ${baseRef}`, async () =>
    (await openGit(dir).raw(['merge-base', 'HEAD', baseRef])).trim(),
  );
}

/** The committer identity the repository (or the person's git config) names, if any. */
export async function configuredIdentity(dir: string): Promise<GitIdentity | undefined> {
  const git = openGit(dir);
  const read = async (key: string) => {
    try {
      return (await git.raw(['config', '--get', key])).trim();
    } catch {
      return '';
    }
  };
  const [name, email] = [await read('user.name'), await read('user.email')];
  return name && email ? { name, email } : undefined;
}
