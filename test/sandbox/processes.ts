// Finds processes by an argument of their command line, to check that a killed command left nothing behind.
import { readdirSync, readFileSync } from 'node:fs';

export function processesWithArgument(argument: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      // A zombie has an empty command line; it is dead already.
      if (args.includes(argument)) found.push(Number(name));
    } catch {
      // exited while we looked
    }
  }
  return found;
}

/** Waits (a bounded while) for the kernel to finish reaping, then says which are still there. */
export async function waitUntilGone(argument: string, attempts = 100): Promise<number[]> {
  let left = processesWithArgument(argument);
  for (let i = 0; i < attempts && left.length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = processesWithArgument(argument);
  }
  return left;
}
