// Makes one directory tree a copy of another, copying only what changed (size or modification time
// differ, like rsync's quick check) and deleting what the source no longer has. A read-only agent's
// snapshot is refreshed this way each time its sandbox opens, so its edits never outlive the opening.
import * as fs from 'node:fs/promises';
import type { Dirent, Stats } from 'node:fs';
import * as path from 'node:path';

export interface SyncOptions {
  /** Names skipped at the top level of both trees (e.g. `.git`, which each side owns). */
  excludeTopLevel?: readonly string[];
}

export interface SyncStats {
  copied: number;
  removed: number;
  unchanged: number;
}

export async function syncTree(source: string, target: string, options: SyncOptions = {}): Promise<SyncStats> {
  const stats: SyncStats = { copied: 0, removed: 0, unchanged: 0 };
  const exclude = new Set(options.excludeTopLevel ?? []);
  await fs.mkdir(target, { recursive: true });
  await syncDir(source, target, true);
  return stats;

  async function syncDir(src: string, dst: string, top: boolean): Promise<void> {
    const wanted = new Map<string, Dirent>();
    for (const entry of await fs.readdir(src, { withFileTypes: true })) {
      if (top && exclude.has(entry.name)) continue;
      wanted.set(entry.name, entry);
    }
    for (const entry of await fs.readdir(dst, { withFileTypes: true })) {
      if (top && exclude.has(entry.name)) continue;
      if (!wanted.has(entry.name)) {
        await fs.rm(path.join(dst, entry.name), { recursive: true, force: true });
        stats.removed++;
      }
    }
    for (const [name, entry] of wanted) {
      const from = path.join(src, name);
      const to = path.join(dst, name);
      const existing = await fs.lstat(to).catch(() => undefined);
      if (entry.isDirectory()) {
        if (existing && !existing.isDirectory()) await fs.rm(to, { recursive: true, force: true });
        if (!existing || !existing.isDirectory()) await fs.mkdir(to);
        const mode = (await fs.stat(from)).mode & 0o7777;
        await fs.chmod(to, mode | 0o700);
        await syncDir(from, to, false);
      } else if (entry.isSymbolicLink()) {
        const link = await fs.readlink(from);
        if (existing?.isSymbolicLink() && (await fs.readlink(to)) === link) {
          stats.unchanged++;
          continue;
        }
        if (existing) await fs.rm(to, { recursive: true, force: true });
        await fs.symlink(link, to);
        stats.copied++;
      } else if (entry.isFile()) {
        const from_ = await fs.lstat(from);
        if (existing?.isFile() && sameContentLikely(from_, existing)) {
          stats.unchanged++;
          continue;
        }
        if (existing) await fs.rm(to, { recursive: true, force: true });
        await fs.copyFile(from, to);
        await fs.chmod(to, from_.mode & 0o7777);
        await fs.utimes(to, from_.atimeMs / 1000, from_.mtimeMs / 1000);
        stats.copied++;
      }
      // Sockets, fifos and devices are not copied: nothing in a worktree needs them and a fifo could block.
    }
  }
}

function sameContentLikely(a: Stats, b: Stats): boolean {
    // Within a millisecond: times pass through floating-point seconds on their way to utimes.
  return a.size === b.size && Math.abs(a.mtimeMs - b.mtimeMs) < 1 && (a.mode & 0o7777) === (b.mode & 0o7777);
}
