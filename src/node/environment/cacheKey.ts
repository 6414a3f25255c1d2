// The key of a set-up's cached result: the lockfiles' contents, the set-up commands and variables, the sandbox
// kind and the image (or host) they ran on. Same key, same dependencies: a second session does not reinstall.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { EnvironmentPlan } from './environmentPlan.ts';

/** Bumped when what a cache entry holds changes shape (2: copies instead of hard links, so no key of a
 * hard-linked entry, which an agent could have changed, is ever used again). */
const CACHE_FORMAT = 2;

export interface CacheKeyParts {
  plan: Pick<EnvironmentPlan, 'setup' | 'env' | 'lockfiles' | 'cacheDirectories'>;
  sandboxKind: string;
  /** The dev container's image (or its configuration's hash), or the host's platform for the OS-level kinds. */
  image: string;
}

export async function environmentCacheKey(root: string, parts: CacheKeyParts): Promise<string> {
  const hash = createHash('sha256');
  const field = (name: string, value: string): void => {
    // Length-prefixed, so no two different inputs run together into the same bytes.
    hash.update(`${name}\0${Buffer.byteLength(value)}\0${value}\0`);
  };
  field('format', String(CACHE_FORMAT));
  field('kind', parts.sandboxKind);
  field('image', parts.image);
  field('setup', JSON.stringify(parts.plan.setup));
  field('env', JSON.stringify(Object.entries(parts.plan.env).sort()));
  field('dirs', JSON.stringify(parts.plan.cacheDirectories));
  for (const name of [...parts.plan.lockfiles].sort()) {
    const content = await readFile(path.join(root, name)).catch(() => undefined);
    field(`file:${name}`, content === undefined ? '<missing>' : createHash('sha256').update(content).digest('hex'));
  }
  return hash.digest('hex').slice(0, 32);
}

/** What stands for "the image" when commands run on the host's own tools (bubblewrap, the plain worktree). */
export function hostImage(): string {
  return `host:${process.platform}-${process.arch}-node${process.versions.node.split('.')[0]}`;
}
