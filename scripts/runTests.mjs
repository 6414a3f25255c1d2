// Runs every test file with node's own runner, TypeScript through the tsx loader, and ends with what was
// skipped here and why (a bare machine has no bubblewrap, Docker engine or browser; see
// test/support/requirements.ts).
// Usage: node scripts/runTests.mjs [file-or-dir-filter ...]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { skipSummary } from './skipSummary.mjs';

const repoRoot = resolve(import.meta.dirname, '..');
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
let files = roots.flatMap((r) => collect(join(repoRoot, r), []));
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
// End-to-end suites in a real VS Code run only when asked (AGENT_OS_E2E=1, after scripts/e2e/setup.sh) or in CI (see .ci/run).
const notRun = [];
if (!process.env.AGENT_OS_E2E) {
  const e2e = files.filter((f) => f.includes(join('test', 'e2e')));
  files = files.filter((f) => !e2e.includes(f));
  notRun.push({
    reason:
      'end-to-end: AGENT_OS_E2E is not set (a real VS Code: bash scripts/e2e/setup.sh, then AGENT_OS_E2E=1 npm test)',
    files: e2e,
  });
}
files.sort();

// The build the tests run (dist/: the CLI, the extension, the vendored sandbox runtime), made once here and
// not by each test process: a rebuild replaces dist/node_modules while another process's CLI or VS Code
// imports from it. AGENT_OS_BUILT tells the test processes it is done. A filtered run without end-to-end
// files leaves it to the tests that need dist/ (they build it when it is missing).
const needsBuild = filters.length === 0 || files.some((f) => f.includes(join('test', 'e2e')));
if (!process.env.AGENT_OS_BUILT && files.length > 0 && needsBuild) {
  const build = spawnSync(process.execPath, [join(repoRoot, 'esbuild.js')], { stdio: 'inherit', cwd: repoRoot });
  if (build.status !== 0) {
    console.error('runTests: the build failed (node esbuild.js)');
    process.exit(build.status ?? 1);
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'agent-os-tests-'));
const skipsFile = join(scratch, 'skips.jsonl');
let status = 1;
try {
  const result = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=2',
      '--test-force-exit',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      `--test-reporter=${join(repoRoot, 'scripts', 'skipReporter.mjs')}`,
      `--test-reporter-destination=${skipsFile}`,
      ...files,
    ],
    { stdio: 'inherit', cwd: repoRoot, env: needsBuild ? { ...process.env, AGENT_OS_BUILT: '1' } : process.env },
  );
  status = result.status ?? 1;
  let skips = [];
  try {
    skips = readFileSync(skipsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  } catch {
    // the run died before the reporter wrote anything: the spec output above says why
  }
  const lines = skipSummary(skips, notRun, repoRoot);
  if (lines.length) console.log(`\n${lines.join('\n')}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(status);
