// Fixture repositories shaped like real ones, made by the tests: an npm project with a lockfile and a test
// runner from the registry as a devDependency, a pnpm project with `packageManager`, a yarn project, and a
// Python project with pytest. Lockfiles are made by the package managers themselves (once per machine, kept
// in the temp folder), so nothing here names a registry. What needs a missing tool or the registry is
// skipped with the reason.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { makeTempRepo, type TempRepo } from '../support/gitRepo.ts';
import { verdict, type Requirement } from '../support/requirements.ts';
import { scrubbedEnv } from '../../src/node/sandbox/scrubbedEnv.ts';

const run = promisify(execFile);

/** A test runner from the registry, small and stable: the fixture's devDependency. */
export const TEST_RUNNER = { name: 'uvu', version: '0.5.6' } as const;
export const PNPM_VERSION = '9.15.9';
export const YARN_VERSION = '1.22.22';

const sumJs = `exports.sum = (a, b) => a + b;\n`;
const sumTest = `const { test } = require('uvu');\nconst assert = require('uvu/assert');\nconst { sum } = require('../src/sum.js');\n\ntest('adds', () => {\n  assert.is(sum(2, 3), 5);\n});\n\ntest.run();\n`;

function nodeFiles(
  extra: Record<string, unknown> = {},
  devDependencies: Record<string, string> = {},
): Record<string, string> {
  const pkg = {
    name: 'fixture-sum',
    version: '1.0.0',
    private: true,
    scripts: { test: 'uvu tests' },
    devDependencies: { [TEST_RUNNER.name]: TEST_RUNNER.version, ...devDependencies },
    ...extra,
  };
  return {
    'package.json': `${JSON.stringify(pkg, null, 2)}\n`,
    '.gitignore': 'node_modules/\n.env*\n',
    'src/sum.js': sumJs,
    'tests/sum.test.js': sumTest,
  };
}

/** The registry npm is configured with on this machine (never written down here). */
export async function npmRegistryUrl(): Promise<string> {
  return (await run('npm', ['config', 'get', 'registry'], { timeout: 30_000 })).stdout.trim();
}

/** A command that exits 0 only if it can reach the registry: an agent's network check. */
export async function registryProbeCommand(): Promise<string> {
  const url = JSON.stringify(await npmRegistryUrl());
  return `node -e 'fetch(${url}, { signal: AbortSignal.timeout(10000) }).then(() => console.log("reached"), (e) => { console.log("unreachable:", e.cause?.code ?? e.message); process.exit(1); })'`;
}

let registry: Promise<string | undefined> | undefined;
/** Why the registry cannot be used here (false when it can). */
export function registryUnavailable(): Promise<Requirement> {
  // Asked the way a sandbox's set-up asks: online, with an empty cache and a scratch home (no npmrc of the
  // person's), so a machine whose registry access depends on the person's own configuration says so here.
  const scratch = registry ? '' : mkdtempSync(join(tmpdir(), 'agent-os-registry-probe-'));
  registry ??= run('npm', ['view', `${TEST_RUNNER.name}@${TEST_RUNNER.version}`, 'version', '--prefer-online'], {
    timeout: 30_000,
    // The environment a sandboxed command gets (src/node/sandbox/scrubbedEnv.ts), with a scratch home.
    env: { ...scrubbedEnv({ home: scratch }), npm_config_cache: join(scratch, 'cache') },
  }).then(
    () => undefined,
    (error: Error) => `npm registry: it cannot be reached here (${error.message.split('\n')[0]})`,
  );
  return registry.then(verdict);
}

/** Files of a project with its lockfile, made once per machine by `make` in a scratch folder. */
async function withLockfile(
  name: string,
  files: Record<string, string>,
  make: (dir: string) => Promise<void>,
  keep: readonly string[],
): Promise<Record<string, string>> {
  const id = createHash('sha256')
    .update(JSON.stringify([name, files, keep]))
    .digest('hex')
    .slice(0, 12);
  const cached = join(tmpdir(), 'agent-os-environment-fixtures', `${name}-${id}`);
  if (!existsSync(join(cached, '.done'))) {
    const work = `${cached}.tmp-${process.pid}`;
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    for (const [p, c] of Object.entries(files)) {
      mkdirSync(dirname(join(work, p)), { recursive: true });
      writeFileSync(join(work, p), c);
    }
    await make(work);
    const out = `${cached}.out-${process.pid}`;
    mkdirSync(out, { recursive: true });
    for (const k of keep) cpSync(join(work, k), join(out, k));
    writeFileSync(join(out, '.done'), '');
    rmSync(work, { recursive: true, force: true });
    rmSync(cached, { recursive: true, force: true });
    mkdirSync(dirname(cached), { recursive: true });
    renameSync(out, cached);
  }
  const result = { ...files };
  for (const k of keep) result[k] = readFileSync(join(cached, k), 'utf8');
  return result;
}

const corepackEnv = (dir: string): NodeJS.ProcessEnv => ({
  ...process.env,
  COREPACK_HOME: join(dir, '.corepack-home'),
  COREPACK_ENABLE_DOWNLOAD_PROMPT: '0',
  COREPACK_INTEGRITY_KEYS: '0',
});

/** `devDependencies` beside the test runner make a heavier project (the bench's). */
export async function npmProjectFiles(devDependencies: Record<string, string> = {}): Promise<Record<string, string>> {
  const files = nodeFiles({}, devDependencies);
  return withLockfile(
    'npm',
    files,
    async (dir) => {
      await run('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund'], { cwd: dir, timeout: 120_000 });
    },
    ['package-lock.json'],
  );
}

export async function pnpmProjectFiles(): Promise<Record<string, string>> {
  const files = nodeFiles({ packageManager: `pnpm@${PNPM_VERSION}` });
  return withLockfile(
    'pnpm',
    files,
    async (dir) => {
      await run('corepack', ['pnpm', 'install', '--lockfile-only'], {
        cwd: dir,
        timeout: 180_000,
        env: corepackEnv(dir),
      });
    },
    ['pnpm-lock.yaml'],
  );
}

export async function yarnProjectFiles(): Promise<Record<string, string>> {
  const files = nodeFiles({ packageManager: `yarn@${YARN_VERSION}` });
  return withLockfile(
    'yarn',
    files,
    async (dir) => {
      await run('corepack', ['yarn', 'install', '--non-interactive', '--no-progress'], {
        cwd: dir,
        timeout: 180_000,
        env: corepackEnv(dir),
      });
    },
    ['yarn.lock'],
  );
}

/** A Python project tested with pytest; its requirements name pytest, which Debian's python3-pytest provides
 * (the virtual environment sees the system's packages, so nothing is downloaded). */
export function pythonProjectFiles(): Record<string, string> {
  return {
    'pyproject.toml': `[project]\nname = "fixture-sum"\nversion = "1.0.0"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n`,
    'requirements-dev.txt': 'pytest\n',
    '.gitignore': '.venv/\n__pycache__/\n.pytest_cache/\n',
    'fixture_sum/__init__.py': 'def add(a, b):\n    return a + b\n',
    'tests/test_sum.py': 'from fixture_sum import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n',
  };
}

/** PATH without the folders under the home directory (pyenv's shims and the like), which the OS-level
 * sandbox hides: the system's python3 is the one a sandboxed set-up can use. */
export function systemPath(path = process.env.PATH ?? ''): string {
  const home = homedir();
  return path
    .split(':')
    .filter((p) => p && !(home && home !== '/' && (p === home || p.startsWith(`${home}/`))))
    .join(':');
}

/** Why Python with pytest cannot run here (the system's python3 and Debian's python3-pytest), or undefined. */
export function pytestUnavailable(): Requirement {
  try {
    execFileSync('python3', ['-c', 'import pytest, venv, ensurepip'], {
      stdio: 'ignore',
      timeout: 20_000,
      env: { ...process.env, PATH: systemPath() },
    });
    return verdict(undefined);
  } catch {
    return verdict(
      "python3-pytest: the system's python3 has no pytest (Debian: apt-get install python3-pytest python3-venv)",
    );
  }
}

export function fixtureRepo(files: Record<string, string>): TempRepo {
  return makeTempRepo(files);
}

/** Every file under a folder, relative (for assertions on what a cache holds). */
export function listFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const r = join(rel, e.name);
    if (e.isDirectory()) out.push(...listFiles(dir, r));
    else out.push(r);
  }
  return out;
}
