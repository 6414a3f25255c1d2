// What Agent OS remembers about a platform between runs: the platform agents its definitions were
// synced to (id, version, content hash) and the self-hosted environment it serves. Kept per platform
// address in one JSON file in the store folder (the workspace's storage in VS Code), written whole
// through a rename so a crash leaves the old or the new state, never half of one.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StateCorruptError } from '../../core/errors.ts';

export interface SyncedAgent {
  id: string;
  version: number;
  /** sha256 of the create parameters last sent: a definition whose hash is unchanged is not sent again. */
  hash: string;
}

export interface PlatformState {
  agents: Record<string, SyncedAgent>;
  environmentId?: string;
}

export class ManagedStateFile {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: string,
    /** The platform address; state for another platform is kept apart. */
    private readonly platform: string,
  ) {}

  static inStore(storeDir: string, platform: string): ManagedStateFile {
    return new ManagedStateFile(join(storeDir, '.managed', 'platform.json'), platform);
  }

  async read(): Promise<PlatformState> {
    return (await this.readAll())[this.platform] ?? { agents: {} };
  }

  /** Read-modify-write, one at a time within this process. */
  update(change: (state: PlatformState) => PlatformState): Promise<PlatformState> {
    const run = this.queue.then(async () => {
      const all = await this.readAll();
      const next = change(all[this.platform] ?? { agents: {} });
      all[this.platform] = next;
      await mkdir(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify(all, null, 2)}\n`);
      await rename(tmp, this.file);
      return next;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async readAll(): Promise<Record<string, PlatformState>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    try {
      return JSON.parse(text) as Record<string, PlatformState>;
    } catch (error) {
      throw new StateCorruptError(
        `${this.file} is not valid JSON (${(error as Error).message}); remove it and the agents are synced again`,
      );
    }
  }
}
