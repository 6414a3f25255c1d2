// Project memory: the AGENTS.md and CLAUDE.md files a repository keeps for coding agents (at its root and in
// any folder), read as committed at HEAD — the commit the session's worktree starts from, and a place no
// agent can change — and capped in size. The session pins them in its log (`agent_os.project_memory`), as it
// pins agent versions: a wake gives the agents the same text, whatever the files say later.
import { createHash } from 'node:crypto';
import type { EventOfType } from '../../core/events/sessionEvent.ts';
import { openGit } from '../git/gitClient.ts';

export type MemoryFile = EventOfType<'agent_os.project_memory'>['files'][number];

export const MEMORY_FILE_NAMES = ['AGENTS.md', 'CLAUDE.md'] as const;

export interface MemoryLimits {
  /** Bytes of one file given to agents. */
  perFile: number;
  /** Bytes of all files together; files past it are left out (the root's come first). */
  total: number;
  maxFiles: number;
}

export const DEFAULT_MEMORY_LIMITS: MemoryLimits = { perFile: 16 * 1024, total: 48 * 1024, maxFiles: 16 };

export async function readProjectMemory(
  repository: string,
  limits: MemoryLimits = DEFAULT_MEMORY_LIMITS,
): Promise<MemoryFile[]> {
  const git = openGit(repository);
  let listing: string;
  try {
    listing = await git.raw(['ls-tree', '-r', '-z', '--name-only', 'HEAD']);
  } catch {
    return []; // no commit yet
  }
  const paths = listing
    .split('\0')
    .filter((p) => (MEMORY_FILE_NAMES as readonly string[]).includes(p.split('/').at(-1) ?? ''))
    // The root's first, then shallower folders before deeper ones: nearer the top applies more widely.
    .sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, limits.maxFiles);
  const files: MemoryFile[] = [];
  let budget = limits.total;
  for (const path of paths) {
    if (budget <= 0) break;
    const raw = Buffer.from(await git.raw(['cat-file', 'blob', `HEAD:${path}`]), 'utf8');
    const cap = Math.min(limits.perFile, budget);
    const truncated = raw.length > cap;
    // Cut on a character boundary: a partial UTF-8 sequence at the end is dropped.
    const content = truncated
      ? raw
          .subarray(0, cap)
          .toString('utf8')
          .replace(/\uFFFD+$/, '')
      : raw.toString('utf8');
    budget -= Buffer.byteLength(content);
    files.push({ path, sha256: createHash('sha256').update(raw).digest('hex'), bytes: raw.length, content, truncated });
  }
  return files;
}
