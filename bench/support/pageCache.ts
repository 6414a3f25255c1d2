// Taking a bench's own files out of the page cache, so that a bench reads a log from the disk and not from
// memory. By default only the files under the given directory are evicted (each synced, then dropped with
// posix_fadvise(DONTNEED) through coreutils' `dd iflag=nocache`; no root needed, nothing else on the machine
// touched). AGENT_OS_BENCH_DROP_CACHES=1 drops the whole machine's cache instead, where allowed (root, /proc
// writable), which also takes the file system's metadata out.
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Undefined when the files under `dir` are out of the page cache; otherwise why not. */
export function dropCaches(dir: string): string | undefined {
  if (process.env['AGENT_OS_BENCH_DROP_CACHES'] === '1') {
    try {
      spawnSync('sync');
      writeFileSync('/proc/sys/vm/drop_caches', '1\n');
      return undefined;
    } catch (error) {
      return `skipped: cannot drop the page cache here (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
    }
  }
  for (const file of filesUnder(dir)) {
    // Dirty pages cannot be dropped: the file is written back first.
    const synced = spawnSync('sync', [file]);
    const dropped = spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);
    const failed = [synced, dropped].find((run) => run.error || run.status !== 0);
    if (failed) return `skipped: cannot evict ${file} from the page cache (${failed.error?.message ?? failed.stderr})`;
  }
  return undefined;
}

/** The share of the files under `dir` that is in the page cache (util-linux' fincore), or why it is unknown. */
export function residentShare(dir: string): number | string {
  const files = filesUnder(dir);
  if (files.length === 0) return 0;
  const run = spawnSync('fincore', ['--bytes', '--noheadings', '--raw', '--output', 'RES,SIZE', ...files], {
    encoding: 'utf8',
  });
  if (run.error || run.status !== 0) return `unknown (fincore: ${run.error?.message ?? run.stderr.trim()})`;
  let resident = 0;
  let size = 0;
  for (const row of run.stdout.trim().split('\n')) {
    const [res, total] = row.trim().split(/\s+/).map(Number);
    resident += res ?? 0;
    size += total ?? 0;
  }
  return size === 0 ? 0 : resident / size;
}

/** Says what a cold run read from: the evicted files' share still cached, or why nothing was evicted. */
export function coldCacheNote(dir: string, cannotDrop: string | undefined): string {
  if (cannotDrop) return cannotDrop;
  if (process.env['AGENT_OS_BENCH_DROP_CACHES'] === '1') return "the machine's page cache dropped";
  const share = residentShare(dir);
  return typeof share === 'number'
    ? `the session's files evicted from the page cache, ${(share * 100).toFixed(0)}% resident after`
    : `the session's files evicted from the page cache, resident share ${share}`;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}
