// Which GitHub repository a local repository belongs to, read from its git remote: where issues are read
// and pull requests opened.
import { realpathSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '../../core/errors.ts';
import { openGit, redactCredentials } from '../git/gitClient.ts';

export interface RemoteRepository {
  owner: string;
  repo: string;
  /** `github.com`, an Enterprise host; absent for a local remote mapped by configuration. */
  host?: string;
  /** The remote's URL as git has it, with any credentials in it replaced by `***`. */
  url: string;
}

export interface FindRemoteOptions {
  /** Remote name; `origin` by default. */
  remote?: string;
  /**
   * Local remotes (a bare repository path, as in the demo and tests) and the GitHub repository each
   * stands for. Keys are paths; they are compared after resolving symlinks.
   */
  localRemotes?: Record<string, { owner: string; repo: string }>;
}

/** Reads https, ssh (`ssh://git@host/o/r.git`, `git@host:o/r.git`) and git:// remote URLs. */
export function parseRemoteUrl(url: string): Omit<RemoteRepository, 'url'> | undefined {
  const text = url.trim();
  let host: string | undefined;
  let path: string | undefined;
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/\/)(.+)$/.exec(text);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      return undefined;
    }
    if (!['https:', 'http:', 'ssh:', 'git:', 'git+ssh:', 'ssh+git:'].includes(parsed.protocol)) return undefined;
    host = parsed.hostname;
    path = decodeURIComponent(parsed.pathname);
  } else if (scp && !isAbsolute(text) && (scp[1] ?? '').length > 1) {
    // (A one-letter "host" is a Windows drive, as git reads it.)
    host = scp[1];
    path = scp[2];
  }
  if (!host || !path) return undefined;
  const parts = path
    .replace(/^\/+|\/+$/g, '')
    .replace(/\.git$/, '')
    .split('/');
  // Enterprise may serve under a path prefix; the repository is always the last two segments.
  const [owner, repo] = parts.slice(-2);
  if (parts.length < 2 || !owner || !repo) return undefined;
  return { host, owner, repo };
}

/** The GitHub repository of `dir`'s remote; INVALID_ARGUMENT naming the remote when it is none. */
export async function findRemoteRepository(dir: string, options: FindRemoteOptions = {}): Promise<RemoteRepository> {
  const remote = options.remote ?? 'origin';
  let url: string;
  try {
    url = redactCredentials((await openGit(dir).raw(['remote', 'get-url', remote])).trim());
  } catch {
    throw new InvalidArgumentError(`${dir} has no git remote '${remote}', so its GitHub repository is unknown`);
  }
  const local = localPath(url, dir);
  if (local !== undefined) {
    const mapped = Object.entries(options.localRemotes ?? {}).find(([path]) => samePath(path, local));
    if (mapped) return { ...mapped[1], url };
    throw new InvalidArgumentError(
      `remote '${remote}' of ${dir} is a local path (${url}), not a GitHub repository; map it in the configuration`,
    );
  }
  const parsed = parseRemoteUrl(url);
  if (!parsed) throw new InvalidArgumentError(`remote '${remote}' of ${dir} (${url}) is not a GitHub repository URL`);
  return { ...parsed, url };
}

function localPath(url: string, dir: string): string | undefined {
  if (url.startsWith('file://')) return fileURLToPath(url);
  if (isAbsolute(url) || url.startsWith('./') || url.startsWith('../')) return resolve(dir, url);
  return undefined;
}

function samePath(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  return real(a).replace(/\/+$/, '') === real(b).replace(/\/+$/, '');
}
