// The set-up's default network allowlist: per ecosystem, the hosts of the registries its own tools are
// configured with — npm's configuration (a project's .npmrc counts) or corepack's variable for Node, with yarn's
// own registry beside it for a yarn project; pip's indexes (its variables and configuration files, else its
// default) for Python; GOPROXY for Go. Asked of the real tools with the variables given, so a mirror is what
// the list holds.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { registryDomains, YARN_REGISTRY } from '../../src/node/environment/registryDomains.ts';
import { requireTool } from '../support/requirements.ts';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-os-registries-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** This process's variables without the ones that name a registry, so the files a test writes decide. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      /^(npm_config_registry|COREPACK_NPM_REGISTRY|PIP_INDEX_URL|PIP_CONFIG_FILE|GOPROXY|GOSUMDB|CARGO_REGISTRIES_CRATES_IO_INDEX)$/i.test(
        key,
      )
    )
      continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

const PACKAGE_JSON = '{ "name": "fixture", "version": "1.0.0" }\n';

test("Node: the registry of npm's configuration, a project's .npmrc included", async () => {
  const dir = project({ 'package.json': PACKAGE_JSON, '.npmrc': 'registry=https://npm.mirror.example/path/\n' });
  assert.deepEqual(await registryDomains(['node'], dir, cleanEnv()), ['npm.mirror.example']);
  // npm's own variable is configuration too (it wins over the file, as npm has it).
  assert.deepEqual(
    await registryDomains(['node'], dir, cleanEnv({ npm_config_registry: 'https://other.mirror.example/' })),
    ['other.mirror.example'],
  );
});

test("Node: corepack's registry variable wins; a yarn project adds yarn's own registry unless that variable is set", async () => {
  const npmrc = 'registry=https://npm.mirror.example/\n';
  const corepack = cleanEnv({ COREPACK_NPM_REGISTRY: 'https://corepack.mirror.example/npm/' });
  const plain = project({ 'package.json': PACKAGE_JSON, '.npmrc': npmrc });
  assert.deepEqual(await registryDomains(['node'], plain, corepack), ['corepack.mirror.example']);

  const byLockfile = project({ 'package.json': PACKAGE_JSON, '.npmrc': npmrc, 'yarn.lock': '' });
  const byField = project({
    'package.json': JSON.stringify({ name: 'fixture', version: '1.0.0', packageManager: 'yarn@1.22.22' }),
    '.npmrc': npmrc,
  });
  for (const dir of [byLockfile, byField]) {
    assert.deepEqual(await registryDomains(['node'], dir, cleanEnv()), ['npm.mirror.example', YARN_REGISTRY].sort());
    assert.deepEqual(await registryDomains(['node'], dir, corepack), ['corepack.mirror.example']);
  }
  // A pnpm project is not a yarn one.
  const pnpm = project({
    'package.json': JSON.stringify({ name: 'fixture', version: '1.0.0', packageManager: 'pnpm@9.15.9' }),
    '.npmrc': npmrc,
  });
  assert.deepEqual(await registryDomains(['node'], pnpm, cleanEnv()), ['npm.mirror.example']);
});

test("Python: pip's index and extra indexes as pip merges its variables and every configuration file, else pip's default", async (t) => {
  const why = requireTool('python3');
  if (why) return t.skip(why);
  const dir = project({ 'requirements.txt': 'pytest\n' });
  const none = await registryDomains(['python'], dir, cleanEnv({ PIP_CONFIG_FILE: '/dev/null' }));
  if (none.length === 0) return t.skip('python3: pip is not installed');
  // No index configured anywhere: pip's own default, its index and the host its files come from.
  assert.equal(none.length, 2, none.join(', '));
  for (const host of none) assert.match(host, /^[a-z0-9.-]+\.[a-z]+$/);

  assert.deepEqual(
    await registryDomains(['python'], dir, cleanEnv({ PIP_INDEX_URL: 'https://pypi.mirror.example/simple' })),
    ['pypi.mirror.example'],
  );
  const conf = join(dir, 'pip.conf');
  writeFileSync(
    conf,
    '[global]\nindex-url = https://pip.mirror.example/simple\nextra-index-url = https://extra.mirror.example/simple\n',
  );
  assert.deepEqual(await registryDomains(['python'], dir, cleanEnv({ PIP_CONFIG_FILE: conf })), [
    'extra.mirror.example',
    'pip.mirror.example',
  ]);
  // The machine's file (as in /etc/xdg/pip/pip.conf), which `pip config get` does not read.
  const machine = join(dir, 'xdg');
  mkdirSync(join(machine, 'pip'), { recursive: true });
  writeFileSync(join(machine, 'pip', 'pip.conf'), '[global]\nindex-url = https://machine.mirror.example/simple\n');
  assert.deepEqual(await registryDomains(['python'], dir, cleanEnv({ XDG_CONFIG_DIRS: machine })), [
    'machine.mirror.example',
  ]);
});

test('Go: the hosts of GOPROXY (not `direct`)', { skip: requireTool('go') }, async () => {
  const dir = project({ 'go.mod': 'module example.com/fixture\n\ngo 1.21\n' });
  assert.deepEqual(
    await registryDomains(
      ['go'],
      dir,
      cleanEnv({ GOPROXY: 'https://goproxy.mirror.example,direct', GOSUMDB: 'off', GOFLAGS: '' }),
    ),
    ['goproxy.mirror.example'],
  );
});

test("Rust: crates.io's sparse index and download host, or the index Cargo's variable names", async () => {
  const dir = project({ 'Cargo.toml': '[package]\nname = "fixture"\nversion = "0.1.0"\n' });
  assert.deepEqual(await registryDomains(['rust'], dir, cleanEnv({})), ['index.crates.io', 'static.crates.io']);
  assert.deepEqual(
    await registryDomains(
      ['rust'],
      dir,
      cleanEnv({ CARGO_REGISTRIES_CRATES_IO_INDEX: 'sparse+https://crates.mirror.example/index/' }),
    ),
    ['crates.mirror.example'],
  );
});

test('several ecosystems: the union, sorted, each host once; a tool with nothing usable adds nothing', async () => {
  const dir = project({ 'package.json': PACKAGE_JSON, '.npmrc': 'registry=https://zz.mirror.example/npm/\n' });
  const python = (url: string): NodeJS.ProcessEnv => cleanEnv({ PIP_INDEX_URL: url });
  assert.deepEqual(await registryDomains(['node', 'python'], dir, python('https://aa.mirror.example/simple')), [
    'aa.mirror.example',
    'zz.mirror.example',
  ]);
  // One mirror serving both registries is one domain.
  assert.deepEqual(await registryDomains(['python', 'node'], dir, python('https://zz.mirror.example/pypi/simple')), [
    'zz.mirror.example',
  ]);
  assert.deepEqual(await registryDomains([], dir, python('https://aa.mirror.example/simple')), []);
  assert.deepEqual(await registryDomains(['python'], dir, python('not a url')), []);
});
