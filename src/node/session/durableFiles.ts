// Small helpers that make file changes survive a crash: write a temp file, fsync it, rename it over
// the target, fsync the directory (so the rename itself is durable).
//
// Each comes in two kinds. The `…Sync` ones fsync on the calling thread; the others do the same steps
// but await the fsync in libuv's thread pool, for callers that are async anyway (session create, writer
// lock, metadata): an fsync can take 100 ms on a busy disk, and in VS Code's extension host the event
// loop it would block is every extension's. Opens, writes and renames stay synchronous: they are fast,
// and doing them on the calling tick keeps the order of steps the same as in the sync kind.
import { randomBytes } from 'node:crypto';
import { closeSync, fsync, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function tempPathBeside(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** fsync in the thread pool. */
export function fsyncInPool(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
}

export async function fsyncDirectoryInPool(dir: string): Promise<void> {
  const fd = openSync(dir, 'r');
  try {
    await fsyncInPool(fd);
  } finally {
    closeSync(fd);
  }
}

export function writeAllSync(fd: number, data: Buffer | string): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** writeNewFileSync with the fsync in the thread pool. */
export async function writeNewFile(path: string, data: Buffer | string, flags = 'wx'): Promise<void> {
  const fd = openSync(path, flags, 0o644);
  try {
    writeAllSync(fd, data);
    await fsyncInPool(fd);
  } finally {
    closeSync(fd);
  }
}

/** writeFileAtomicSync with the fsyncs in the thread pool. */
export async function writeFileAtomic(target: string, data: Buffer | string): Promise<void> {
  const temp = tempPathBeside(target);
  try {
    await writeNewFile(temp, data);
    renameSync(temp, target);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // the temp file was never made, or was already renamed
    }
    throw error;
  }
  await fsyncDirectoryInPool(dirname(target));
}

/** Writes all of `data` to a new file and fsyncs it. */
export function writeNewFileSync(path: string, data: Buffer | string, flags = 'wx'): void {
  const fd = openSync(path, flags, 0o644);
  try {
    writeAllSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces `target` with `data` so that a crash leaves either the old or the new file, whole. */
export function writeFileAtomicSync(target: string, data: Buffer | string): void {
  const temp = tempPathBeside(target);
  try {
    writeNewFileSync(temp, data);
    renameSync(temp, target);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // the temp file was never made, or was already renamed
    }
    throw error;
  }
  fsyncDirectory(dirname(target));
}

const TEMP_NAME = /^\..*tmp-(\d+)-[0-9a-f]{8}$/;

/** Removes temp files that a process killed mid-write left in `dir` (only those of dead processes). */
export function removeLeftoverTemps(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || !processIsGone(Number(m[1]))) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      // gone already
    }
  }
}

function processIsGone(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
