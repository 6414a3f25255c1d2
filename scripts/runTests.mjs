// Runs every test file with node's own runner, TypeScript through the tsx loader.
// Usage: node scripts/runTests.mjs [file-or-dir-filter ...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['src', 'test'];
const skip = new Set(['node_modules', 'dist', 'fixtures']);

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    if (skip.has(name)) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) collect(full, out);
    else if (/\.test\.ts$/.test(name)) out.push(full);
  }
  return out;
}

const filters = process.argv.slice(2);
let files = roots.flatMap((r) => collect(r, []));
// End-to-end suites in a real VS Code run only when asked (AGENT_OS_E2E=1, after scripts/e2e/setup.sh) or in CI (see .ci/run).
if (!process.env.AGENT_OS_E2E) files = files.filter((f) => !f.includes(`${join('test', 'e2e')}`));
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
files.sort();

const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
