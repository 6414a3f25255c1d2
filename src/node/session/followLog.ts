// Follows a session's log while its writer appends, without taking the lock or blocking the writer.
// Only whole lines are consumed: a record still being written (or torn, until the next writer cuts it
// off) is read again on the next change. Changes are noticed by fs.watch, with a poll of the file
// size as the fallback for file systems where watching says nothing.
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { LogCorruptError, SessionNotFoundError } from '../../core/errors.ts';
import type { SessionEvent } from '../../core/events/sessionEvent.ts';
import type { BlobStore } from './blobStore.ts';
import { decodeRecords } from './recordCodec.ts';

export interface FollowOptions {
  sessionId: string;
  logPath: string;
  blobs: BlobStore;
  fromSeq: number;
  signal: AbortSignal;
  pollMs: number;
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
  /** Bytes of whole records consumed so far, and the seq of the next record. */
  let offset = 0;
  let nextSeq = 1;
  try {
    while (!signal.aborted) {
      changed = false;
      const size = (await file.stat()).size;
      if (size < offset) {
        throw new LogCorruptError(sessionId, size, `log shrank to ${size} bytes below ${offset} bytes of records already read`);
      }
      if (size > offset) {
        const chunk = Buffer.allocUnsafe(size - offset);
        const { bytesRead } = await file.read(chunk, 0, chunk.length, offset);
        const decoded = decodeRecords(chunk.subarray(0, bytesRead), {
          baseOffset: offset,
          firstSeq: nextSeq,
          fromSeq: options.fromSeq,
          loadBlob: (ref, at) => options.blobs.get(ref, at),
        });
        offset += decoded.validBytes;
        nextSeq += decoded.records;
        // The whole records before any damage are the log as it was: hand them out, then stop.
        for (const event of decoded.events) {
          if (signal.aborted) return;
          yield event;
        }
        if (decoded.damage) throw new LogCorruptError(sessionId, decoded.damage.byteOffset, decoded.damage.reason);
      }
      if (!changed && !signal.aborted) {
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
