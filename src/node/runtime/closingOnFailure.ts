// One writer per session: a run that fails while holding a session's writer must let it go, or the next
// run (another process, the person's Resume) finds the session locked by a process that gave up on it.
import type { SessionLog } from '../../core/harness/sessionLog.ts';

/** Runs `action` on an open log; if it fails, the writer is released before the error goes on. */
export async function closingOnFailure<T>(log: SessionLog, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    await log.close();
    throw error;
  }
}
