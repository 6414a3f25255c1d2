// Makes a .vsix of the current dist/ the way `npm run package` does: the same vsce flags, read from the
// package script, without its production build (tests package what they built, and other tests read dist/).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

/** Writes the .vsix to `outFile`; throws with vsce's output when it fails. */
export function vscePackage(outFile: string): void {
  const script =
    (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts[
      'package'
    ] ?? '';
  const flags = script.split('&& vsce ')[1]?.split(' ') ?? [];
  const out = flags.indexOf('--out');
  if (flags[0] !== 'package' || out < 0)
    throw new Error(`the package script does not run \`vsce package … --out <file>\`: ${script}`);
  flags[out + 1] = outFile;
  const run = spawnSync(join(ROOT, 'node_modules', '.bin', 'vsce'), flags, { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`vsce package failed (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
}
