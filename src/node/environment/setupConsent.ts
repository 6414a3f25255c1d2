// A set-up that asks runs only after the person confirmed it once for the repository (VS Code prompt, CLI
// flag); the confirmation is remembered per repository and per exact set of commands, so a change of the
// commands (a new lockfile, another package manager, an edited environment file) is asked about again.
// A detected set-up always asks (Agent OS guessed it). One the repository's own files name (its environment
// file) asks when nothing confines it: it would run as the person, and nothing runs unconfined without their
// consent — a cloned repository's environment file is anyone's.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

interface Confirmations {
  /** Repository path → hashes of confirmed command lists. */
  repositories: Record<string, string[]>;
}

/** Whether the set-up must be confirmed before it runs, and why (one line for the person). */
export function setupNeedsConsent(
  plan: { source: string; setup: readonly string[] },
  sandboxKind: string,
): string | undefined {
  if (plan.setup.length === 0) return undefined;
  if (plan.source === 'detected') return 'Agent OS detected how to set up this repository';
  if (sandboxKind === 'worktree')
    return "nothing confines commands here: the repository's set-up would run as you, outside any sandbox";
  return undefined;
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
