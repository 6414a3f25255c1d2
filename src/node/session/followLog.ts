// Follows a session's log while its writer appends, without taking the lock or blocking the writer.
// Only whole lines are consumed: a record still being written (or torn, until the next writer cuts it
// off) is read again on the next change. Changes are noticed by fs.watch, with a poll of the file
// size as the fallback for file systems where watching says nothing. The log is read in windows and
// handed out a page at a time, so following a long log from its start holds one page, not the log.
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { LogCorruptError, SessionNotFoundError } from '../../core/errors.ts';
import type { SessionEvent } from '../../core/events/sessionEvent.ts';
import type { LogCursor } from '../../core/session/sessionStore.ts';
import type { ScanResult } from './logScan.ts';

/** Events handed out per read while catching up. */
const PAGE = 4096;

export interface FollowOptions {
  sessionId: string;
  logPath: string;
  fromSeq: number;
  signal: AbortSignal;
  pollMs: number;
  /** The store's scan: from `after`, or (the first time) from wherever its index says `fromSeq` is. */
  scan: (
    file: FileHandle,
    options: { fromSeq: number; after?: LogCursor; limit: number; onEvents: (events: SessionEvent[]) => void },
  ) => Promise<ScanResult>;
}

export async function* followLog(options: FollowOptions): AsyncGenerator<SessionEvent> {
  const { sessionId, signal } = options;
  if (signal.aborted) return;
  let file: FileHandle;
  try {
    file = await open(options.logPath, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new SessionNotFoundError(sessionId);
    throw error;
  }
  let changed = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    changed = true;
    wake?.();
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(options.logPath, { persistent: false }, notify);
    watcher.on('error', () => watcher?.close());
  } catch {
    watcher = undefined; // no notifications here (e.g. out of inotify watches): polling still works
  }
  signal.addEventListener('abort', notify);
  /** Just past the whole records consumed so far (unknown until the first read). */
  let cursor: LogCursor | undefined;
  try {
    while (!signal.aborted) {
      changed = false;
      const size = (await file.stat()).size;
      if (cursor && size < cursor.offset) {
        throw new LogCorruptError(
          sessionId,
          size,
          `log shrank to ${size} bytes below ${cursor.offset} bytes of records already read`,
        );
      }
      let more = false;
      if (!cursor || size > cursor.offset) {
        const page: SessionEvent[] = [];
        const scanned = await options.scan(file, {
          fromSeq: Math.max(options.fromSeq, cursor?.seq ?? 1),
          ...(cursor ? { after: cursor } : {}),
          limit: PAGE,
          onEvents: (events) => {
            for (const event of events) page.push(event);
          },
        });
        cursor = scanned.end;
        // The whole records before any damage are the log as it was: hand them out, then stop.
        for (const event of page) {
          if (signal.aborted) return;
          yield event;
        }
        if (scanned.damage) throw new LogCorruptError(sessionId, scanned.damage.byteOffset, scanned.damage.reason);
        more = page.length === PAGE;
      }
      if (!more && !changed && !signal.aborted) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, options.pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    }
  } finally {
    signal.removeEventListener('abort', notify);
    watcher?.close();
    await file.close();
  }
}
