// fdatasync off the event loop, shared by every session writer of the process. The calls run in libuv's
// thread pool, which in VS Code's extension host serves every extension's file reads, zlib and DNS
// lookups too (4 threads unless UV_THREADPOOL_SIZE says otherwise). A sync can take 100 ms on a busy
// disk, so at most MAX_IN_FLIGHT of them run at once and the rest of the pool stays free; a writer that
// waits for a slot only gathers more records for its next fdatasync (FileSessionWriter's group commit).
import { fdatasync } from 'node:fs';

const MAX_IN_FLIGHT = 2;

let inFlight = 0;
const waiting: Array<() => void> = [];

/** `starting` runs right before the fdatasync is issued, when a slot is free: what was written by then
 * is what this call makes durable. */
export function datasync(fd: number, starting: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const run = (): void => {
      inFlight++;
      starting();
      fdatasync(fd, (error) => {
        inFlight--;
        const next = waiting.shift();
        if (next) next();
        if (error) reject(error);
        else resolve();
      });
    };
    if (inFlight < MAX_IN_FLIGHT) run();
    else waiting.push(run);
  });
}
