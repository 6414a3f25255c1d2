// `npm run bench`: runs every bench/*.bench.ts in its own process (so one bench's heap and timers do
// not disturb the next) and prints their numbers. Each bench prints its own lines; the lines that have
// a goal (`name: value (target …)`) are printed again at the end, together, as the table of goals.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = __dirname;
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
let failed = 0;
const goals: string[] = [];
for (const file of files) {
  const name = file.replace(/\.bench\.ts$/, '');
  process.stdout.write(`\n## ${name}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', join(dir, file)], {
    stdio: ['inherit', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  process.stdout.write(r.stdout ?? '');
  for (const line of (r.stdout ?? '').split('\n')) if (/\(target [^)]*\)$/.test(line)) goals.push(`[${name}] ${line}`);
  if (r.status !== 0) failed++;
}
if (goals.length > 0) process.stdout.write(`\n## goals\n${goals.join('\n')}\n`);
if (failed) {
  process.stderr.write(`${failed} bench file(s) failed\n`);
  process.exit(1);
}
