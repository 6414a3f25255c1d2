// engines.vscode promises the oldest VS Code the extension runs on. The promise holds only if that version
// is the one the e2e suite runs on as `min` (scripts/e2e/vscodeVersions.json; .ci/run runs the core flow
// there), and if the compiler knows no API newer than it: @types/vscode is that version's, so a call that
// the oldest VS Code lacks fails `npm run typecheck` instead of a person's editor. A build name that the
// versions file does not have is refused by name, not taken for the newest.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { E2E_VSCODE_VERSIONS } from '../support/requirements.ts';

const ROOT = resolve(__dirname, '..', '..');
const readJson = <T>(...parts: string[]): T => JSON.parse(readFileSync(join(ROOT, ...parts), 'utf8')) as T;

const manifest = readJson<{ engines: { vscode: string }; devDependencies: Record<string, string> }>('package.json');
const min = E2E_VSCODE_VERSIONS['min'];
const minorOf = (version: string) => /^[\^~]?(\d+\.\d+)\./.exec(version)?.[1];

test('engines.vscode is the VS Code the e2e suite runs on as its minimum', () => {
  assert.ok(min, 'scripts/e2e/vscodeVersions.json names no `min`');
  assert.equal(manifest.engines.vscode, `^${minorOf(min.vscode)}.0`);
  // code-server's version carries the VS Code minor it bundles (4.96.x bundles VS Code 1.96.x).
  assert.equal(min.codeServer.split('.')[1], min.vscode.split('.')[1]);
});

test("@types/vscode is the engine's version, so the compiler refuses newer APIs", () => {
  const engineMinor = minorOf(manifest.engines.vscode);
  assert.equal(minorOf(manifest.devDependencies['@types/vscode'] ?? ''), engineMinor, 'package.json devDependencies');
  const installed = readJson<{ version: string }>('node_modules', '@types', 'vscode', 'package.json').version;
  assert.equal(minorOf(installed), engineMinor, `node_modules/@types/vscode is ${installed}`);
  const locked =
    readJson<{ packages: Record<string, { version: string }> }>('package-lock.json').packages[
      'node_modules/@types/vscode'
    ]?.version ?? '';
  assert.equal(minorOf(locked), engineMinor, `package-lock.json has @types/vscode ${locked}`);
});

test('an AGENT_OS_E2E_VSCODE that names no build is refused by setup.sh and the suite, naming the builds', () => {
  const env = { ...process.env, AGENT_OS_E2E_VSCODE: 'oldest' };
  const setup = spawnSync('bash', [join(ROOT, 'scripts', 'e2e', 'setup.sh')], { env, encoding: 'utf8' });
  assert.notEqual(setup.status, 0);
  assert.match(setup.stderr, /AGENT_OS_E2E_VSCODE=oldest: not one of latest, min/);
  const suite = spawnSync(
    process.execPath,
    ['--import', 'tsx', '-e', `require(${JSON.stringify(join(ROOT, 'test', 'support', 'requirements.ts'))})`],
    { env, encoding: 'utf8' },
  );
  assert.notEqual(suite.status, 0);
  assert.match(suite.stderr, /AGENT_OS_E2E_VSCODE=oldest: not one of latest, min/);
});
