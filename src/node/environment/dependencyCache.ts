// The set-up's results (node_modules, .venv, …) kept once per cache key, and given to every sandbox of a session
// as a copy of its own: the session's repository, the Reviewer's clean room and child repositories each hold
// their own files (reflinked where the file system can, so they cost no disk until changed; copied elsewhere).
// No sandbox ever holds a link to the cache's files, and every copy runs confined with the cache bound
// read-only (confinedCopy.ts): what an agent does to its dependencies stays in its folder, so one session
// cannot poison the next. The cache itself lives in Agent OS's store, which no sandbox can see.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { ConfinedCopyRequest, ConfinedCopyResult } from '../../core/sandbox/sessionChanges.ts';
import { GivenDependencies } from './givenDependencies.ts';

/** Bumped when an entry's layout changes; entries of another format are not used. (1: hard-linked entries.) */
const ENTRY_FORMAT = 2;

interface Manifest {
  format: number;
  key: string;
  created_at: string;
  /** The folders held, relative to the repository root. */
  dirs: string[];
  test_command?: string;
}

export interface CacheEntry {
  key: string;
  dirs: string[];
  testCommand?: string;
}

export interface RestoreResult {
  /** The entry's folders. */
  dirs: string[];
  /** Those copied now (none when the folder already had them). */
  copied: string[];
  /** Those refused, with the reason (a folder on the way is a symbolic link). */
  skipped: { path: string; reason: string }[];
}

/** How files cross between a sandbox's folder and the cache: the session sandboxes' confined copy. */
export type ConfinedCopier = (request: ConfinedCopyRequest) => Promise<ConfinedCopyResult>;

const KEY = /^[0-9a-f]{16,64}$/;

export class DependencyCache {
  /** Which folders hold which entry already (host-side; kept when the cache is cleared). */
  readonly given: GivenDependencies;

  constructor(readonly root: string) {
    this.given = new GivenDependencies(path.join(path.dirname(root), 'given'));
  }

  entryDir(key: string): string {
    if (!KEY.test(key)) throw new Error(`not a cache key: ${key}`);
    return path.join(this.root, key);
  }

  private filesOf(key: string): string {
    return path.join(this.entryDir(key), 'files');
  }

  async has(key: string): Promise<boolean> {
    return (await this.manifest(key)) !== undefined;
  }

  async read(key: string): Promise<CacheEntry | undefined> {
    const manifest = await this.manifest(key);
    return (
      manifest && { key, dirs: manifest.dirs, ...(manifest.test_command ? { testCommand: manifest.test_command } : {}) }
    );
  }

  private async manifest(key: string): Promise<Manifest | undefined> {
    const text = await fs.readFile(path.join(this.entryDir(key), 'manifest.json'), 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    try {
      const manifest = JSON.parse(text) as Manifest;
      return manifest.format === ENTRY_FORMAT ? manifest : undefined;
    } catch {
      return undefined;
    }
  }

  /** Keeps a copy of `dirs` of `workdir` (the set-up's results) under `key`; folders that do not exist are
   * left out. `workdir` keeps its own files, which count as given. Another process saving the same key at
   * once is harmless: the first rename wins. */
  async save(
    key: string,
    workdir: string,
    dirs: readonly string[],
    testCommand: string | undefined,
    copy: ConfinedCopier,
  ): Promise<CacheEntry> {
    const final = this.entryDir(key);
    const staging = `${final}.tmp-${randomUUID()}`;
    let manifest: Manifest;
    try {
      await fs.mkdir(path.join(staging, 'files'), { recursive: true });
      const copied = await copy({ from: workdir, to: path.join(staging, 'files'), paths: dirs });
      manifest = {
        format: ENTRY_FORMAT,
        key,
        created_at: new Date().toISOString(),
        dirs: copied.copied,
        ...(testCommand ? { test_command: testCommand } : {}),
      };
      await fs.writeFile(path.join(staging, 'manifest.json'), JSON.stringify(manifest));
      await fs.mkdir(this.root, { recursive: true });
      await fs.rename(staging, final).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      });
    } finally {
      await fs.rm(staging, { recursive: true, force: true });
    }
    await this.given.remember(workdir, key);
    return { key, dirs: manifest.dirs, ...(testCommand ? { testCommand } : {}) };
  }

  /** Gives the entry's folders to `workdir` (replacing what is there), unless this folder has them already.
   * Undefined when the cache has no such entry. */
  async restore(key: string, workdir: string, copy: ConfinedCopier): Promise<RestoreResult | undefined> {
    const manifest = await this.manifest(key);
    if (!manifest) return undefined;
    if (await this.given.has(workdir, key)) return { dirs: manifest.dirs, copied: [], skipped: [] };
    const result = await copy({ from: this.filesOf(key), to: workdir, paths: manifest.dirs });
    await this.given.remember(workdir, key);
    return { dirs: manifest.dirs, copied: result.copied, skipped: result.skipped };
  }

  async remove(key: string): Promise<void> {
    const dir = this.entryDir(key);
    // Entries of the first format were read-only: make the folder writable first.
    await fs.chmod(dir, 0o700).catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  }

  /** Every entry, for `agent-os env cache` and clearing. */
  async list(): Promise<CacheEntry[]> {
    const names = await fs.readdir(this.root).catch(() => [] as string[]);
    const entries: CacheEntry[] = [];
    for (const name of names) {
      if (!KEY.test(name)) continue;
      const entry = await this.read(name);
      if (entry) entries.push(entry);
    }
    return entries;
  }

  async clear(): Promise<number> {
    const entries = await fs.readdir(this.root).catch(() => [] as string[]);
    await fs.rm(this.root, { recursive: true, force: true });
    return entries.filter((n) => KEY.test(n)).length;
  }
}

/** Bytes the given folders take on disk, each file counted once however many links it has (what `du` says;
 * reflinked copies share blocks `du` cannot see, so it counts them in full). */
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
