// Immutable agent versions, one JSON file per agent. A definition whose content (hash of its canonical
// form) differs from the latest version becomes the next version; past versions never change, so a
// session that recorded `{ Coder: 3 }` runs version 3 on every wake, whatever the file says now.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { AgentDefinitionSchema, canonicalAgentContent, canonicalJson } from '../../core/agents/agentDefinition.ts';
import type { AgentDefinition, VersionedAgentDefinition } from '../../core/agents/agentDefinition.ts';
import { AgentOsError } from '../../core/errors.ts';
import { processIsAlive } from '../processAlive.ts';

const VersionRecordSchema = z.object({
  version: z.number().int().positive(),
  hash: z.string(),
  created_at: z.string(),
  definition: AgentDefinitionSchema,
});
export type AgentVersionRecord = z.infer<typeof VersionRecordSchema>;

const VersionFileSchema = z.object({ name: z.string(), versions: z.array(VersionRecordSchema) });
type VersionFile = z.infer<typeof VersionFileSchema>;

export function agentContentHash(definition: AgentDefinition): string {
  return createHash('sha256')
    .update(canonicalJson(canonicalAgentContent(definition)))
    .digest('hex');
}

const LOCK_WAIT_MS = 10_000;
const LOCK_STALE_MS = 30_000;
const EMPTY_LOCK_STALE_MS = 2_000;

export class AgentVersionStore {
  /** In-process queue per agent; the lock file covers other processes (extension host and CLI). */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly dir: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The version of this content: the latest one if unchanged, else a new one. */
  resolve(definition: AgentDefinition): Promise<VersionedAgentDefinition> {
    const hash = agentContentHash(definition);
    return this.serialize(definition.name, async () => {
      const file = (await this.readFile(definition.name)) ?? { name: definition.name, versions: [] };
      const latest = file.versions[file.versions.length - 1];
      if (latest && latest.hash === hash) return { ...latest.definition, version: latest.version };
      const record: AgentVersionRecord = {
        version: (latest?.version ?? 0) + 1,
        hash,
        created_at: this.now().toISOString(),
        definition: AgentDefinitionSchema.parse(definition),
      };
      await this.writeFile({ name: file.name, versions: [...file.versions, record] });
      return { ...record.definition, version: record.version };
    });
  }

  /** Versions for a whole agent set, e.g. to record in `agent_os.session_configured.agent_versions`. */
  async resolveAll(definitions: Iterable<AgentDefinition>): Promise<Map<string, VersionedAgentDefinition>> {
    const out = new Map<string, VersionedAgentDefinition>();
    for (const definition of definitions) out.set(definition.name, await this.resolve(definition));
    return out;
  }

  /** Exactly the recorded version; throws AGENT_NOT_FOUND when it was never stored. */
  async get(name: string, version: number): Promise<VersionedAgentDefinition> {
    const file = await this.readFile(name);
    const record = file?.versions.find((v) => v.version === version);
    if (!record)
      throw new AgentOsError(
        'AGENT_NOT_FOUND',
        `agent ${name} version ${version} is not in the version store ${this.dir}`,
      );
    return { ...record.definition, version: record.version };
  }

  /** What a waking session runs: exactly the versions recorded in `agent_os.session_configured`. */
  async getAll(agentVersions: Readonly<Record<string, number>>): Promise<Map<string, VersionedAgentDefinition>> {
    const out = new Map<string, VersionedAgentDefinition>();
    for (const [name, version] of Object.entries(agentVersions)) out.set(name, await this.get(name, version));
    return out;
  }

  async list(name: string): Promise<AgentVersionRecord[]> {
    return (await this.readFile(name))?.versions ?? [];
  }

  async latest(name: string): Promise<VersionedAgentDefinition | undefined> {
    const record = (await this.readFile(name))?.versions.at(-1);
    return record ? { ...record.definition, version: record.version } : undefined;
  }

  private pathOf(name: string): string {
    // Names are case-insensitive (agentSet), and so are some file systems.
    return join(this.dir, `${encodeURIComponent(name.toLowerCase())}.json`);
  }

  private async readFile(name: string): Promise<VersionFile | undefined> {
    let text: string;
    try {
      text = await readFile(this.pathOf(name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return VersionFileSchema.parse(JSON.parse(text));
    } catch (error) {
      throw new AgentOsError(
        'INVALID_AGENT',
        `agent version file ${this.pathOf(name)} is damaged: ${(error as Error).message.split('\n')[0]}`,
        {
          cause: error,
        },
      );
    }
  }

  private async writeFile(file: VersionFile): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const target = this.pathOf(file.name);
    const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(JSON.stringify(file, null, 2) + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  private serialize<T>(name: string, work: () => Promise<T>): Promise<T> {
    const k = name.toLowerCase();
    const previous = this.queues.get(k) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.withLock(k, work));
    this.queues.set(k, next);
    return next;
  }

  private async withLock<T>(k: string, work: () => Promise<T>): Promise<T> {
    await mkdir(this.dir, { recursive: true });
    const lock = join(this.dir, `${encodeURIComponent(k)}.lock`);
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        await writeFile(lock, String(process.pid), { flag: 'wx' });
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        // A holder killed mid-write leaves its lock behind; the data itself is safe (rename is atomic).
        if (await lockIsStale(lock)) await rm(lock, { force: true });
        else if (Date.now() > deadline)
          throw new AgentOsError('INVALID_AGENT', `agent version store ${this.dir} is locked (${lock})`);
        else await new Promise((r) => setTimeout(r, 20));
      }
    }
    try {
      return await work();
    } finally {
      await rm(lock, { force: true });
    }
  }
}

/** A lock is stale when its holder's process is gone, when it never got to write its pid (a live holder
 * writes it at once), or when it is older than any holder could be. */
async function lockIsStale(lock: string): Promise<boolean> {
  const [info, text] = await Promise.all([
    stat(lock).catch(() => undefined),
    readFile(lock, 'utf8').catch(() => undefined),
  ]);
  if (!info || text === undefined) return false;
  const age = Date.now() - info.mtimeMs;
  const pid = Number(text.trim());
  if (Number.isInteger(pid) && pid > 0) return !processIsAlive(pid) || age > LOCK_STALE_MS;
  return age > EMPTY_LOCK_STALE_MS;
}
