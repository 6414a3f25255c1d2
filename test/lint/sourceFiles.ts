// The TypeScript files under a folder of the repository, for the lint tests that read the source.
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const repo = resolve(__dirname, '../..');

export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}
