// `npm run bench`: runs every bench/*.bench.ts in its own process (so one bench's heap and timers do
// not disturb the next) and prints their numbers. Each bench prints its own lines; the lines that have
// a goal (`name: value (target …)`) are printed again at the end, together, as the table of goals.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = __dirname;
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
let failed = 0;
const outDir = mkdtempSync(join(tmpdir(), 'agent-os-bench-out-'));
const goals: string[] = [];
for (const file of files) {
  const name = file.replace(/\.bench\.ts$/, '');
  process.stdout.write(`\n## ${name}\n`);
  // The bench's output goes to a file, not a pipe: a process it left behind (a sandbox's proxy) that still
  // holds its stdout would keep a pipe open, and the run waiting for ever after the bench has ended.
  const out = join(outDir, `${name}.out`);
  const fd = openSync(out, 'w');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', join(dir, file)], {
    stdio: ['inherit', fd, 'inherit'],
  });
  closeSync(fd);
  const printed = readFileSync(out, 'utf8');
  process.stdout.write(printed);
  for (const line of printed.split('\n')) if (/\(target [^)]*\)$/.test(line)) goals.push(`[${name}] ${line}`);
  if (r.status !== 0) failed++;
}
rmSync(outDir, { recursive: true, force: true });
if (goals.length > 0) process.stdout.write(`\n## goals\n${goals.join('\n')}\n`);
if (failed) {
  process.stderr.write(`${failed} bench file(s) failed\n`);
  process.exit(1);
}
