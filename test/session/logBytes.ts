// The bytes of a session's log file that are its log: a writer keeps zeros after its last record
// (fileSessionWriter.ts), so the file's size is not the log's while a writer is open or after a crash.
import { closeSync, openSync } from 'node:fs';
import { logEndSync } from '../../src/node/session/logScan.ts';

export function logBytes(path: string): number {
  const fd = openSync(path, 'r');
  try {
    return logEndSync(fd);
  } finally {
    closeSync(fd);
  }
}
