// Scratch folders in the system's temp folder that a killed process does not leave there for good. Each is
// named after the process that made it (agent-os-<what>-<pid>-XXXXXX); the first scratch folder a process
// makes also removes those of processes that are gone (a SIGKILL between mkdtemp and rm left them).
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processIsAlive } from './processAlive.ts';

const SCRATCH_NAME = /^agent-os-[a-z]+-(\d+)-[A-Za-z0-9]{6}$/;

let swept: Promise<number> | undefined;

/** Runs `use` with a new empty folder, removed afterwards whatever happens. */
export async function withScratchDir<T>(what: string, use: (dir: string) => Promise<T>): Promise<T> {
  swept ??= sweepScratchDirs(tmpdir());
  await swept;
  const dir = await mkdtemp(join(tmpdir(), `agent-os-${what}-${process.pid}-`));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Removes the scratch folders in `root` whose process is gone; returns how many. Never fails: a folder
 * it cannot read or remove is left for the next sweep. */
export async function sweepScratchDirs(root: string): Promise<number> {
  const names = await readdir(root).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const pid = Number(SCRATCH_NAME.exec(name)?.[1]);
    if (!pid || pid === process.pid || processIsAlive(pid)) continue;
    await rm(join(root, name), { recursive: true, force: true }).then(
      () => removed++,
      () => undefined,
    );
  }
  return removed;
}
