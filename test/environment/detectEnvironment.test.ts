// Detection of the set-up and the test command from the files real repositories have.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { detectEnvironment } from '../../src/node/environment/detectEnvironment.ts';
import { resolveEnvironmentPlan } from '../../src/node/environment/environmentPlan.ts';

async function detect(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'agent-os-detect-'));
  try {
    for (const [p, c] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), c);
    }
    return await detectEnvironment(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pkg = (extra: object = {}) =>
  JSON.stringify({ name: 'x', scripts: { test: 'jest' }, devDependencies: { jest: '^29' }, ...extra });

test('npm with a lockfile: npm ci, npm test, node_modules cached, the lockfile decides the key', async () => {
  const d = await detect({ 'package.json': pkg(), 'package-lock.json': '{}' });
  assert.equal(d.packageManager, 'npm');
  assert.deepEqual(d.setup, ['npm ci --no-audit --no-fund']);
  assert.equal(d.test, 'npm test');
  assert.deepEqual(d.cacheDirectories, ['node_modules']);
  assert.deepEqual(d.lockfiles, ['package.json', 'package-lock.json']);
});

test('pnpm from packageManager runs through corepack, kept inside node_modules, lockfile frozen', async () => {
  const d = await detect({
    'package.json': pkg({ packageManager: 'pnpm@9.15.9' }),
    'pnpm-lock.yaml': "lockfileVersion: '9.0'\n",
  });
  assert.equal(d.packageManager, 'pnpm');
  assert.match(
    d.setup[0] ?? '',
    /COREPACK_HOME="\$PWD\/node_modules\/\.cache\/corepack" .*corepack pnpm install --frozen-lockfile$/,
  );
  assert.match(d.test ?? '', /corepack pnpm test$/);
  assert.match(d.reasons[0] ?? '', /packageManager pnpm@9\.15\.9/);
});

test('packageManager wins over a stray lockfile of another manager', async () => {
  const d = await detect({ 'package.json': pkg({ packageManager: 'pnpm@9.0.0' }), 'package-lock.json': '{}' });
  assert.equal(d.packageManager, 'pnpm');
});

test('yarn classic and yarn 2+ (its cache kept in the project)', async () => {
  const classic = await detect({ 'package.json': pkg(), 'yarn.lock': '# yarn lockfile v1\n' });
  assert.match(classic.setup[0] ?? '', /corepack yarn install --frozen-lockfile$/);
  const berry = await detect({
    'package.json': pkg({ packageManager: 'yarn@4.5.0' }),
    'yarn.lock': '__metadata:\n  version: 8\n',
  });
  assert.match(berry.setup[0] ?? '', /^YARN_ENABLE_GLOBAL_CACHE=false .*corepack yarn install --immutable$/);
  assert.ok(berry.cacheDirectories.includes('.pnp.cjs'));
});

test('bun', async () => {
  const d = await detect({ 'package.json': pkg(), 'bun.lock': '{}' });
  assert.deepEqual(d.setup, ['bun install --frozen-lockfile']);
  assert.equal(d.test, 'bun run test');
});

test('no dependencies and no lockfile: nothing to install, the test script still known', async () => {
  const d = await detect({ 'package.json': JSON.stringify({ name: 'x', scripts: { test: 'node --test' } }) });
  assert.deepEqual(d.setup, []);
  assert.equal(d.test, 'npm test');
  const placeholder = await detect({
    'package.json': JSON.stringify({ scripts: { test: 'echo "Error: no test specified" && exit 1' } }),
  });
  assert.equal(placeholder.test, undefined);
});

test('Python with requirements: a virtual environment that sees the system packages, pytest', async () => {
  const d = await detect({
    'requirements.txt': 'requests\n',
    'requirements-dev.txt': 'pytest\n',
    'tests/test_x.py': '',
  });
  assert.deepEqual(d.setup, [
    'python3 -m venv --system-site-packages .venv',
    '.venv/bin/python -m pip install --disable-pip-version-check -r requirements-dev.txt',
    '.venv/bin/python -m pip install --disable-pip-version-check -r requirements.txt',
  ]);
  assert.equal(d.test, '.venv/bin/python -m pytest');
  assert.deepEqual(d.cacheDirectories, ['.venv']);
});

test('uv and poetry lockfiles', async () => {
  assert.deepEqual((await detect({ 'pyproject.toml': '[tool.pytest.ini_options]\n', 'uv.lock': '' })).setup, [
    'uv sync --frozen',
  ]);
  assert.match((await detect({ 'pyproject.toml': '', 'poetry.lock': '' })).setup[0] ?? '', /poetry install/);
});

test('Go and Cargo', async () => {
  const go = await detect({ 'go.mod': 'module x\n', 'go.sum': '' });
  assert.deepEqual([go.setup, go.test, go.lockfiles], [['go mod download'], 'go test ./...', ['go.mod', 'go.sum']]);
  const rust = await detect({ 'Cargo.toml': '[package]\n', 'Cargo.lock': '' });
  assert.deepEqual([rust.setup, rust.test], [['cargo fetch'], 'cargo test']);
});

test('a broken package.json is said so, not guessed at', async () => {
  const d = await detect({ 'package.json': '{ nope' });
  assert.deepEqual(d.setup, []);
  assert.match(d.reasons[0] ?? '', /does not parse/);
});

test('the plan: the environment file comes first, then detection; nothing found is "none"', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-os-plan-'));
  try {
    writeFileSync(join(dir, 'package.json'), pkg());
    writeFileSync(join(dir, 'package-lock.json'), '{}');
    const detected = await resolveEnvironmentPlan(dir, { sandboxKind: 'bubblewrap' });
    assert.equal(detected.source, 'detected');
    mkdirSync(join(dir, '.agents'));
    writeFileSync(join(dir, '.agents', 'environment.yaml'), 'setup: make deps\ncopyFiles: [.env.test]\n');
    const fromFile = await resolveEnvironmentPlan(dir, { sandboxKind: 'bubblewrap' });
    assert.equal(fromFile.source, 'environment_file');
    assert.deepEqual(fromFile.setup, ['make deps']);
    assert.equal(fromFile.test, 'npm test', 'the test command is still detected when the file names none');
    assert.ok(fromFile.lockfiles.includes('.agents/environment.yaml'));
    const empty = mkdtempSync(join(tmpdir(), 'agent-os-plan-'));
    assert.equal((await resolveEnvironmentPlan(empty, { sandboxKind: 'worktree' })).source, 'none');
    rmSync(empty, { recursive: true, force: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a dev container session takes its lifecycle commands as its set-up, which Agent OS runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-os-plan-'));
  try {
    mkdirSync(join(dir, '.devcontainer'));
    writeFileSync(
      join(dir, '.devcontainer', 'devcontainer.json'),
      '{\n  // comment\n  "image": "node:22",\n  "onCreateCommand": ["npm", "ci"],\n  "postCreateCommand": { "a": "echo a", "b": "echo b" }\n}\n',
    );
    writeFileSync(join(dir, 'package.json'), pkg());
    const plan = await resolveEnvironmentPlan(dir, { sandboxKind: 'devcontainer' });
    assert.equal(plan.source, 'devcontainer');
    assert.deepEqual(plan.setup, ['npm ci', 'echo a', 'echo b'], 'run by Agent OS as the set-up, in order');
    assert.ok(plan.lockfiles.includes('.devcontainer/devcontainer.json'), 'the configuration is part of the cache key');
    assert.equal(
      (await resolveEnvironmentPlan(dir, { sandboxKind: 'bubblewrap' })).source,
      'detected',
      'other kinds detect instead',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
