// Dropping the machine's page cache, so that a bench reads a log from the disk and not from memory. It is the
// whole machine's cache: only when asked (AGENT_OS_BENCH_DROP_CACHES=1) and where allowed (root, /proc writable).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

/** Undefined when the cache was dropped; otherwise why not. */
export function dropCaches(): string | undefined {
  if (process.env['AGENT_OS_BENCH_DROP_CACHES'] !== '1')
    return "skipped: set AGENT_OS_BENCH_DROP_CACHES=1 to drop the page cache (it is the whole machine's)";
  try {
    spawnSync('sync');
    writeFileSync('/proc/sys/vm/drop_caches', '1\n');
    return undefined;
  } catch (error) {
    return `skipped: cannot drop the page cache here (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
}
