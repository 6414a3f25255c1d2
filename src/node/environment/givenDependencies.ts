// Which sandbox folders already hold a cache entry's dependencies, so that a folder gets them once rather than
// at every opening of a thread's sandbox (and keeps what its agent installed since). Kept host-side, where no
// agent can forge it, for one generation of the folder: its own identity (device, inode, birth time), which
// changes whenever the host makes the folder again (a clean room at each opening, a repository re-made from the
// vault, a new child). Nothing inside the folder is trusted: a fresh clone whose commit carries a node_modules
// of an agent's making still gets the cache's copy.
import { createHash, randomUUID } from 'node:crypto';
import { lstat, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

interface Given {
  workdir: string;
  generation: string;
  key: string;
}

export class GivenDependencies {
  constructor(readonly dir: string) {}

  private file(workdir: string): string {
    return path.join(this.dir, `${createHash('sha256').update(path.resolve(workdir)).digest('hex').slice(0, 32)}.json`);
  }

  /** Whether `workdir`, as it is now (the same folder the host made), was given the entry `key`. */
  async has(workdir: string, key: string): Promise<boolean> {
    const text = await readFile(this.file(workdir), 'utf8').catch(() => undefined);
    if (text === undefined) return false;
    try {
      const given = JSON.parse(text) as Given;
      return given.key === key && given.generation === (await generation(workdir));
    } catch {
      return false;
    }
  }

  async remember(workdir: string, key: string): Promise<void> {
    const record: Given = { workdir: path.resolve(workdir), generation: await generation(workdir), key };
    await mkdir(this.dir, { recursive: true });
    const file = this.file(workdir);
    const temp = `${file}.${randomUUID().slice(0, 8)}.tmp`;
    await writeFile(temp, JSON.stringify(record));
    await rename(temp, file);
  }
}

/** The folder's identity. The folder itself is the host's (its parents are Agent OS's store): reading its
 * metadata opens nothing an agent can change. Without a birth time (some file systems) the change time stands
 * in, which an agent's new top-level entries also change: the folder is then given its copy again. */
async function generation(workdir: string): Promise<string> {
  const s = await lstat(workdir, { bigint: true });
  return `${s.dev}:${s.ino}:${s.birthtimeNs > 0n ? `b${s.birthtimeNs}` : `c${s.ctimeNs}`}`;
}
