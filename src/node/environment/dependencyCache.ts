// The set-up's results (node_modules, .venv, …) kept once per cache key and given to every sandbox by hard
// links: the session's worktree, a reader's snapshot, the Reviewer's clean room and child worktrees share the
// same files instead of holding a copy each. Files in the cache are made read-only, and each restore checks
// every file against the manifest written when the entry was made: an entry changed since (an agent writing
// through a link) is dropped and the set-up runs again, so one session cannot poison the next.
import { randomUUID } from 'node:crypto';
import type { Stats } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { pathExists } from '../pathExists.ts';

interface Manifest {
  key: string;
  created_at: string;
  /** The folders held, relative to the repository root. */
  dirs: string[];
  /** Relative path (`dir/…`) → [size, mtime in ms] of every regular file. */
  files: Record<string, [number, number]>;
  test_command?: string;
}

export interface CacheEntry {
  key: string;
  dirs: string[];
  files: number;
  testCommand?: string;
}

export interface RestoreResult {
  /** Folders linked into the target (already linked ones count too). */
  dirs: string[];
  linked: number;
}

export class DependencyCache {
  constructor(readonly root: string) {}

  private entryDir(key: string): string {
    if (!/^[0-9a-f]{16,64}$/.test(key)) throw new Error(`not a cache key: ${key}`);
    return path.join(this.root, key);
  }

  async has(key: string): Promise<boolean> {
    return pathExists(path.join(this.entryDir(key), 'manifest.json'));
  }

  async read(key: string): Promise<CacheEntry | undefined> {
    const manifest = await this.manifest(key);
    return manifest && { key, dirs: manifest.dirs, files: Object.keys(manifest.files).length, ...(manifest.test_command ? { testCommand: manifest.test_command } : {}) };
  }

  private async manifest(key: string): Promise<Manifest | undefined> {
    const text = await fs.readFile(path.join(this.entryDir(key), 'manifest.json'), 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as Manifest;
    } catch {
      return undefined;
    }
  }

  /** Keeps `dirs` of `workdir` under `key` (hard links, so it costs no copy). Folders that do not exist are
   * left out. Another process saving the same key at once is harmless: the first rename wins. */
  async save(key: string, workdir: string, dirs: readonly string[], testCommand?: string): Promise<CacheEntry> {
    const final = this.entryDir(key);
    const staging = `${final}.tmp-${randomUUID()}`;
    const manifest: Manifest = { key, created_at: new Date().toISOString(), dirs: [], files: {}, ...(testCommand ? { test_command: testCommand } : {}) };
    try {
      await fs.mkdir(staging, { recursive: true });
      for (const dir of dirs) {
        const from = path.join(workdir, dir);
        const stat = await fs.lstat(from).catch(() => undefined);
        if (!stat) continue;
        manifest.dirs.push(dir);
        await linkTree(from, path.join(staging, 'files', dir), dir, {
          onFile: async (rel, target, s) => {
            // Read-only: a write through a link fails for an unprivileged process instead of changing the cache.
            if (s.mode & 0o222) await fs.chmod(target, s.mode & ~0o222);
            const after = await fs.lstat(target);
            manifest.files[rel] = [after.size, Math.trunc(after.mtimeMs)];
          },
        });
      }
      await fs.writeFile(path.join(staging, 'manifest.json'), JSON.stringify(manifest));
      await fs.mkdir(this.root, { recursive: true });
      await fs.rename(staging, final).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      });
    } finally {
      await fs.rm(staging, { recursive: true, force: true });
    }
    return { key, dirs: manifest.dirs, files: Object.keys(manifest.files).length, ...(testCommand ? { testCommand } : {}) };
  }

  /** Links the entry's folders into `workdir`, replacing what is there unless it is already this entry's.
   * Returns undefined (and drops the entry) when a cached file changed since the entry was made. */
  async restore(key: string, workdir: string): Promise<RestoreResult | undefined> {
    const manifest = await this.manifest(key);
    if (!manifest) return undefined;
    const files = path.join(this.entryDir(key), 'files');
    let linked = 0;
    for (const dir of manifest.dirs) {
      const target = path.join(workdir, dir);
      if (await sameTree(path.join(files, dir), target)) continue;
      await fs.rm(target, { recursive: true, force: true });
      const staging = `${target}.agent-os-${randomUUID().slice(0, 8)}`;
      let tainted = false;
      await linkTree(path.join(files, dir), staging, dir, {
        onFile: async (rel, _target, s) => {
          const expected = manifest.files[rel];
          if (!expected || expected[0] !== s.size || expected[1] !== Math.trunc(s.mtimeMs)) tainted = true;
          linked++;
        },
      });
      if (tainted) {
        await fs.rm(staging, { recursive: true, force: true });
        await this.remove(key);
        return undefined;
      }
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.rename(staging, target);
    }
    return { dirs: manifest.dirs, linked };
  }

  async remove(key: string): Promise<void> {
    const dir = this.entryDir(key);
    // Make it writable again first: removing entries of a read-only folder is refused otherwise.
    await fs.chmod(dir, 0o700).catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  }

  /** Every entry, for `agent-os env cache` and clearing. */
  async list(): Promise<CacheEntry[]> {
    const names = await fs.readdir(this.root).catch(() => [] as string[]);
    const entries: CacheEntry[] = [];
    for (const name of names) {
      if (!/^[0-9a-f]{16,64}$/.test(name)) continue;
      const entry = await this.read(name);
      if (entry) entries.push(entry);
    }
    return entries;
  }

  async clear(): Promise<number> {
    const entries = await fs.readdir(this.root).catch(() => [] as string[]);
    await fs.rm(this.root, { recursive: true, force: true });
    return entries.filter((n) => /^[0-9a-f]{16,64}$/.test(n)).length;
  }
}

/** Whether `target` already holds the cache's tree (its first file is the same inode). */
async function sameTree(cached: string, target: string): Promise<boolean> {
  const probe = await firstFile(cached);
  if (probe === undefined) return pathExists(target);
  const [a, b] = await Promise.all([fs.lstat(path.join(cached, probe)).catch(() => undefined), fs.lstat(path.join(target, probe)).catch(() => undefined)]);
  return a !== undefined && b !== undefined && a.ino === b.ino && a.dev === b.dev;
}

async function firstFile(dir: string, rel = ''): Promise<string | undefined> {
  const entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => []);
  for (const e of entries.sort((x, y) => (x.name < y.name ? -1 : 1))) {
    const r = path.join(rel, e.name);
    if (e.isFile()) return r;
    if (e.isDirectory()) {
      const inner = await firstFile(dir, r);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** Recreates `from` at `to` with folders made anew, files hard-linked and symbolic links copied as links
 * (relative ones keep working: pnpm's layout is made of them). */
export async function linkTree(from: string, to: string, rel: string, hooks: { onFile?(rel: string, target: string, stat: Stats): Promise<void> } = {}): Promise<void> {
  const stat = await fs.lstat(from);
  if (stat.isSymbolicLink()) {
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.symlink(await fs.readlink(from), to);
    return;
  }
  if (stat.isFile()) {
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.link(from, to);
    await hooks.onFile?.(rel, to, stat);
    return;
  }
  if (!stat.isDirectory()) return; // sockets, fifos: nothing a dependency folder needs
  await fs.mkdir(to, { recursive: true, mode: 0o700 });
  const entries = await fs.readdir(from, { withFileTypes: true });
  // A few at a time: wide folders (node_modules) would otherwise open thousands of operations at once.
  for (let i = 0; i < entries.length; i += 32) {
    await Promise.all(entries.slice(i, i + 32).map((e) => linkTree(path.join(from, e.name), path.join(to, e.name), path.join(rel, e.name), hooks)));
  }
  await fs.chmod(to, (stat.mode & 0o7777) | 0o700);
}

/** Bytes the given folders take on disk, each file counted once however many links it has (what `du` says). */
export async function diskUsage(roots: readonly string[]): Promise<number> {
  const seen = new Set<string>();
  let bytes = 0;
  const walk = async (p: string): Promise<void> => {
    const s = await fs.lstat(p).catch(() => undefined);
    if (!s) return;
    const id = `${s.dev}:${s.ino}`;
    if (seen.has(id)) return;
    seen.add(id);
    bytes += s.blocks * 512;
    if (s.isDirectory()) for (const name of await fs.readdir(p)) await walk(path.join(p, name));
  };
  for (const root of roots) await walk(root);
  return bytes;
}
