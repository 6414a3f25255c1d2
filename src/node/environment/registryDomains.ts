// The domains a set-up may reach when the environment file names none: the registries the ecosystem's own
// tools are configured to use on this machine (a mirror included), read from those tools rather than
// written into Agent OS. Go uses its module proxy as configured; Cargo its crates.io index (sparse protocol) and
// download host, or the index its CARGO_REGISTRIES_CRATES_IO_INDEX names (source replacement in Cargo's own
// configuration files is not read: name such a mirror in the environment file's network.setup).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Ecosystem } from './detectEnvironment.ts';

const run = promisify(execFile);

async function output(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  try {
    const { stdout } = await run(command, args, { cwd, env, timeout: 10_000, encoding: 'utf8' });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

function hostsOf(text: string | undefined): string[] {
  if (!text) return [];
  return text
    .split(/[\s,|]+/)
    .flatMap((part) => {
      try {
        return [new URL(part).hostname];
      } catch {
        return [];
      }
    })
    .filter((h) => h !== '');
}

/** crates.io's sparse index and the host its crates download from. */
export const CRATES_IO_HOSTS = ['index.crates.io', 'static.crates.io'] as const;

/** Yarn classic's own registry, which it (and corepack fetching it) uses unless one is configured. */
export const YARN_REGISTRY = 'registry.yarnpkg.com';

/** The registry hosts for the ecosystems of a repository (`cwd`, so project-level configuration counts), as the
 * tools read them with `env` (their configuration variables included). */
export async function registryDomains(
  ecosystems: readonly Ecosystem[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string[]> {
  const domains = new Set<string>();
  for (const ecosystem of ecosystems) {
    let found: string[] = [];
    if (ecosystem === 'node') {
      // npm, pnpm and yarn (through corepack, which downloads them from the same registry) read this.
      found = hostsOf(env.COREPACK_NPM_REGISTRY ?? (await output('npm', ['config', 'get', 'registry'], cwd, env)));
      if (!env.COREPACK_NPM_REGISTRY && usesYarn(cwd)) found.push(YARN_REGISTRY);
    } else if (ecosystem === 'python') {
      found = await pipIndexHosts(cwd, env);
    } else if (ecosystem === 'go') {
      found = hostsOf(await output('go', ['env', 'GOPROXY', 'GOSUMDB'], cwd, env));
    } else if (ecosystem === 'rust') {
      const index = hostsOf(env.CARGO_REGISTRIES_CRATES_IO_INDEX?.replace(/^sparse\+/, ''));
      found = index.length > 0 ? index : [...CRATES_IO_HOSTS];
    }
    for (const d of found) domains.add(d);
  }
  return [...domains].sort();
}

/** pip's index and extra indexes as pip merges them: its variables and every configuration file (the machine's,
 * the person's, the site's, PIP_CONFIG_FILE) — `pip config list`, since `pip config get` reads only one file.
 * With no index configured, pip's default index and the host its files come from. */
async function pipIndexHosts(cwd: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const listed = await output('python3', ['-m', 'pip', 'config', 'list'], cwd, env);
  if (listed === undefined) return hostsOf(env.PIP_INDEX_URL);
  const values = (name: string): string =>
    [...listed.matchAll(new RegExp(`^(?::env:|global|install)\\.${name}=(['"])(.*)\\1$`, 'gm'))]
      .map((m) => m[2] ?? '')
      .join(' ');
  const index = values('index-url');
  const main = index
    ? hostsOf(index)
    : hostsOf(
        await output(
          'python3',
          [
            '-c',
            'from pip._internal.models.index import PyPI; print(PyPI.simple_url, PyPI.file_storage_domain and "https://" + PyPI.file_storage_domain)',
          ],
          cwd,
          env,
        ),
      );
  return [...main, ...hostsOf(values('extra-index-url'))];
}

function usesYarn(cwd: string): boolean {
  if (existsSync(join(cwd, 'yarn.lock'))) return true;
  try {
    const manager = (JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as { packageManager?: unknown })
      .packageManager;
    return typeof manager === 'string' && manager.startsWith('yarn@');
  } catch {
    return false;
  }
}
