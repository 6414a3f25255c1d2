// Zeros written after a session log's end before records need the room. An fdatasync after a write that
// grows the file must commit the file system's journal (the file's size changed); one after a write over
// blocks that are already there need not. So the writer keeps a chunk of zeros ahead of its log, and most
// durable appends overwrite: on ext4 here that made them about a third faster (npm run bench -- sessionLog).
// Readers end the log at its last non-zero byte (logScan.ts), so zeros never need to be cut off in time.
import { fstatSync, ftruncateSync, writeSync } from 'node:fs';

/** A chunk is the log's size, within these bounds: a short session's file stays small, and writing one
 * costs the event loop (where the writer writes) a fraction of a millisecond. */
const MIN_CHUNK_BYTES = 64 * 1024;
const MAX_CHUNK_BYTES = 1024 * 1024;
let zeros: Buffer | undefined;

export interface LogFileEnd {
  fd: number;
  /** Bytes of the log. */
  size: number;
  /** Bytes in the file: the log and the zeros after it. Moved on by what is written here. */
  allocated: number;
  /** No zeros past this: the log may not grow beyond it either. */
  maxBytes: number;
}

/** Makes sure `bytes` more fit in zeros already on the file, writing a chunk more first when they don't. */
export function writeZerosAhead(file: LogFileEnd, bytes: number): void {
  const { fd, size, maxBytes } = file;
  if (size + bytes <= file.allocated) return;
  const chunk = Math.min(MAX_CHUNK_BYTES, Math.max(MIN_CHUNK_BYTES, size));
  const target = Math.max(size + bytes, Math.min(maxBytes, size + bytes + chunk));
  zeros ??= Buffer.alloc(MAX_CHUNK_BYTES);
  try {
    for (let at = file.allocated; at < target;) {
      at += writeSync(fd, zeros, 0, Math.min(zeros.length, target - at), at);
      file.allocated = at;
    }
  } catch {
    // Zeros only save journal commits: without them (a full disk), the record is written as it would be.
  }
}

/** Leaves a closed log without its zero tail, so that its file is plain JSON Lines for any tool: unless
 * `stillOurs` throws (the session went to another writer, whose opening cut the zeros and which may have
 * appended since) or the file is not as the writer left it. A tail left behind is harmless: readers skip it,
 * an opening cuts it. */
export function cutZerosAhead(file: Pick<LogFileEnd, 'fd' | 'size' | 'allocated'>, stillOurs: () => void): void {
  const { fd, size, allocated } = file;
  if (allocated === size) return;
  try {
    stillOurs();
    if (fstatSync(fd).size === allocated) ftruncateSync(fd, size);
  } catch {
    // left for the next opening
  }
}
