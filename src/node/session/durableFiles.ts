// Small helpers that make file changes survive a crash: write a temp file, fsync it, rename it over
// the target, fsync the directory (so the rename itself is durable).
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
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

/** Writes all of `data` to a new file and fsyncs it. */
export function writeNewFileSync(path: string, data: Buffer | string, flags = 'wx'): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = openSync(path, flags, 0o644);
  try {
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
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
