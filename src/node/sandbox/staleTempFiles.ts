// A process killed in the middle of a `write` leaves the toolset's temp file (`.tmp-<pid>-<uuid>`,
// written then renamed) beside its target. On wake, such files of processes that no longer run are
// removed, so they never reach the session's commit and pull request.
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { processIsAlive } from '../processAlive.ts';

const run = promisify(execFile);
const TEMP_NAME = /(?:^|\/)\.tmp-(\d+)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Removes temp files of dead writers among the worktree's untracked files; returns their paths. */
export async function removeStaleTempFiles(worktree: string): Promise<string[]> {
  const { stdout } = await run('git', ['-C', worktree, 'ls-files', '--others', '--exclude-standard', '-z'], { maxBuffer: 64 * 1024 * 1024 });
  const stale = stdout
    .split('\0')
    .filter((path) => {
      const m = TEMP_NAME.exec(path);
      return m !== null && Number(m[1]) !== process.pid && !processIsAlive(Number(m[1]));
    });
  await Promise.all(stale.map((path) => rm(join(worktree, path), { force: true })));
  return stale;
}
