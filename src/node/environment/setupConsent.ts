// A detected set-up runs only after the person confirmed it once for the repository (VS Code prompt, CLI
// flag); the confirmation is remembered per repository and per exact set of commands, so a change of the
// detected commands (a new lockfile, another package manager) is asked about again.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

interface Confirmations {
  /** Repository path → hashes of confirmed command lists. */
  repositories: Record<string, string[]>;
}

export class SetupConsent {
  constructor(private readonly file: string) {}

  private static hash(commands: readonly string[]): string {
    return createHash('sha256').update(JSON.stringify(commands)).digest('hex').slice(0, 24);
  }

  private async read(): Promise<Confirmations> {
    const text = await readFile(this.file, 'utf8').catch(() => undefined);
    if (!text) return { repositories: {} };
    try {
      const parsed = JSON.parse(text) as Confirmations;
      return parsed && typeof parsed.repositories === 'object' ? parsed : { repositories: {} };
    } catch {
      return { repositories: {} };
    }
  }

  async isConfirmed(repository: string, commands: readonly string[]): Promise<boolean> {
    const data = await this.read();
    return (data.repositories[path.resolve(repository)] ?? []).includes(SetupConsent.hash(commands));
  }

  async remember(repository: string, commands: readonly string[]): Promise<void> {
    const data = await this.read();
    const key = path.resolve(repository);
    const hash = SetupConsent.hash(commands);
    data.repositories[key] = [...new Set([...(data.repositories[key] ?? []), hash])];
    await mkdir(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(data, null, 2));
    await rename(temp, this.file);
  }
}
