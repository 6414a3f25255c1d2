// Where the CLI keeps sessions by default: a per-repository folder inside the repository's git
// directory (`<git common dir>/agent-os/sessions`), so git never tracks it and it is not among the
// working tree's files. `--store <dir>` overrides it; the extension uses its workspace storage.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { AgentOsError } from '../core/errors.ts';

const run = promisify(execFile);

async function git(cwd: string, args: string[]): Promise<string> {
  try {
    return (await run('git', args, { cwd })).stdout.trim();
  } catch {
    throw new AgentOsError(
      'INVALID_ARGUMENT',
      `${cwd} is not inside a git repository; pass --repo <dir> (and --store <dir>)`,
    );
  }
}

/** The top folder of the repository around `dir`. */
export async function repositoryRoot(dir: string): Promise<string> {
  return git(dir, ['rev-parse', '--show-toplevel']);
}

export async function defaultStoreDir(repository: string): Promise<string> {
  const common = await git(repository, ['rev-parse', '--git-common-dir']);
  return resolve(repository, common, 'agent-os', 'sessions');
}

export async function resolveStoreDir(flag: string | undefined, repository: string | undefined): Promise<string> {
  if (flag) return resolve(flag);
  if (!repository) throw new AgentOsError('INVALID_ARGUMENT', 'not inside a git repository: pass --store <dir>');
  return defaultStoreDir(repository);
}
