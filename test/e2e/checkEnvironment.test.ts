// The set-up phase in a real VS Code, under the OS sandbox: Check Environment from the Threads view's title menu
// on an npm project whose set-up is detected (its lockfile: npm ci) asks the person once in a modal, runs the
// set-up and the test command, and says they passed; a second check does not ask again. Then, with an
// environment file whose set-up takes a few seconds, a session's set-up shows its progress in the status bar.
// The project's one dependency is a folder of its own (`file:`, installed as a copy by its .npmrc), so npm ci
// needs no network and still makes node_modules — with no dependency at all npm ci makes nothing, and nothing
// would show that the set-up ran or reach the cache.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { delay, type Workbench } from './support/codeServer.ts';
import { openScriptedWorkspace, type ScriptedWorkspace } from './support/scriptedWorkspace.ts';

const LOCK = {
  name: 'calc',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': { name: 'calc', version: '1.0.0', dependencies: { adder: 'file:adder' } },
    'node_modules/adder': { version: '1.0.0', resolved: 'file:adder' },
  },
};
const FILES = {
  'package.json': JSON.stringify(
    {
      name: 'calc',
      version: '1.0.0',
      private: true,
      scripts: { test: 'node test.js' },
      dependencies: { adder: 'file:adder' },
    },
    null,
    2,
  ),
  'package-lock.json': JSON.stringify(LOCK, null, 2),
  '.npmrc': 'install-links=true\n',
  '.gitignore': 'node_modules/\n',
  'adder/package.json': JSON.stringify({ name: 'adder', version: '1.0.0', main: 'index.js' }),
  'adder/index.js': 'module.exports = (a, b) => a + b;\n',
  // Passes only where the set-up's node_modules reached the test's clean room.
  'test.js': "const add = require('adder');\nif (add(1, 1) !== 2) process.exit(1);\nconsole.log('ok 1 - adds');\n",
};
const TASK = 'Look at the calculator';
const SCRIPT = {
  agents: { Coordinator: [{ content: [{ type: 'text', text: 'Nothing to do for this check.' }] }] },
};

describe('Check Environment and the set-up phase in VS Code', { timeout: 300_000 }, () => {
  let world: ScriptedWorkspace;
  let wb: Workbench;

  before(async () => {
    world = await openScriptedWorkspace({
      prefix: 'agent-os-e2e-envcheck-',
      files: FILES,
      script: SCRIPT,
      // The sandbox agents use in CI; the set-up runs in it too.
      settings: { 'agentOs.sandbox': 'os' },
    });
    ({ wb } = world);
  });

  after(async () => {
    await world?.close();
  });

  const dialog = () => wb.page.locator('.monaco-dialog-box');
  const agentOsLog = () => world.server.logs();

  /** Check Environment from the Threads view's title menu (its "More Actions…" overflow). */
  const checkFromThreadsView = async () => {
    await wb.openThreadsView();
    const pane = wb.threadsPane();
    await pane.hover();
    await pane.locator('.pane-header .action-label[aria-label^="More Actions"]').click();
    const item = wb.page.locator('.monaco-menu .action-item', { hasText: 'Check Environment' }).first();
    await wb.capturing('threads-menu', () => item.waitFor({ state: 'visible', timeout: 10_000 }));
    await item.click();
  };

  test('a detected set-up is confirmed in a modal, then the set-up and the test command run and pass', async () => {
    await checkFromThreadsView();
    await wb.capturing('setup-prompt', () => dialog().waitFor({ state: 'visible', timeout: 60_000 }));
    const prompt = (await dialog().innerText()).replace(/\s+/g, ' ');
    assert.match(prompt, /set up repo before the agents run\?/);
    assert.match(prompt, /detected how to set up this repository/);
    assert.match(prompt, /npm ci/);
    assert.match(prompt, /Your answer is remembered for this repository/);
    await wb.screenshot('70-envcheck-setup-prompt');
    await dialog().locator('.monaco-button', { hasText: 'Run Set-up' }).click();
    await wb.capturing('envcheck-result', () =>
      wb.waitForNotification(/^Agent OS: set-up and tests passed\.$/, 120_000),
    );
    await wb.screenshot('71-envcheck-passed');
    // The log file is written a moment after the notification shows.
    await waitUntil(async () => /environment check: test: passed/.test(agentOsLog())).catch(() => {});
    const log = agentOsLog();
    assert.match(log, /environment check: sandbox /);
    assert.match(log, /environment check: set-up: ready in [\d.]+ s \(node_modules\)/);
    assert.match(log, /environment check: test: npm test \(a clean room at [0-9a-f]{12}, no network\)/);
    assert.match(log, /ok 1 - adds/);
    assert.match(log, /environment check: test: passed/);
    // The check's own sandbox is removed when it ends; what its set-up made is kept in the cache.
    assert.ok(installedInCache(world.sessions), 'node_modules/.package-lock.json is in the set-up cache');
    // Nothing of the set-up in the person's checkout.
    assert.equal(existsSync(join(world.repo, 'node_modules')), false);
  });

  test('the confirmation is remembered: a second check does not ask', async () => {
    await wb.runCommand('Notifications: Clear All Notifications');
    await wb.capturing('notifications-cleared', () => waitUntil(async () => (await wb.notifications()).length === 0));
    const cachedBefore = count(agentOsLog(), /environment check: set-up: ready from the cache/g);
    const passedBefore = count(agentOsLog(), /environment check: test: passed/g);
    await checkFromThreadsView();
    const deadline = Date.now() + 120_000;
    let passed = false;
    while (!passed && Date.now() < deadline) {
      assert.equal(await dialog().isVisible(), false, 'no set-up prompt the second time');
      passed = (await wb.notifications()).some((t) => /^Agent OS: set-up and tests passed\.$/.test(t));
      if (!passed) await delay(100);
    }
    assert.ok(passed, 'the second check passed');
    await wb.screenshot('72-envcheck-again');
    // The log file is written a moment after the notification shows.
    await waitUntil(async () => count(agentOsLog(), /environment check: test: passed/g) > passedBefore).catch(() => {});
    const log = agentOsLog();
    assert.equal(
      count(log, /environment check: set-up: ready from the cache/g),
      cachedBefore + 1,
      'the set-up came from the cache',
    );
    assert.equal(count(log, /environment check: test: passed/g), passedBefore + 1);
  });

  test("a session's set-up shows its progress in the status bar", async () => {
    // An environment file's set-up under the OS sandbox does not ask; it sleeps so its progress can be seen.
    mkdirSync(join(world.repo, '.agents'), { recursive: true });
    writeFileSync(
      join(world.repo, '.agents', 'environment.json'),
      JSON.stringify({ setup: ['sleep 3', 'npm ci --no-audit --no-fund'], test: 'npm test' }),
    );
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'add', '.'], { cwd: world.repo });
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-qm', 'environment'], {
      cwd: world.repo,
    });
    await wb.runCommandAndPick('Agent OS: Plan and Implement Issue', 'Describe a task');
    await wb.answerInputTitled('Describe a task', TASK);
    const item = (text: string) => wb.page.locator('.statusbar .statusbar-item', { hasText: text }).first();
    await wb.capturing('status-setting-up', () =>
      item('Agent OS environment: setting up (sleep 3 && npm ci --no-audit --no-fund)').waitFor({
        state: 'visible',
        timeout: 60_000,
      }),
    );
    await wb.screenshot('73-status-bar-setting-up');
    assert.equal(await dialog().isVisible(), false, 'an environment file under the OS sandbox does not ask');
    await wb.capturing('status-ready', () =>
      item('Agent OS environment: ready').waitFor({ state: 'visible', timeout: 60_000 }),
    );
    await wb.screenshot('74-status-bar-ready');
    await wb.waitForTreeItem(new RegExp(`^${TASK} — idle`), 60_000);
    // The set-up ran in the session's own repository, which the agents work in.
    const made = findInstalled(join(world.sessions, '.worktrees', 'repos'), 3);
    assert.ok(
      made.some((dir) => dir.includes('sesn_')),
      `node_modules/.package-lock.json in the session's repository: ${JSON.stringify(made)}`,
    );
  });
});

/** Whether some entry of the set-up cache holds npm's record of what it installed. */
function installedInCache(sessions: string): boolean {
  const cache = join(sessions, '.environments', 'cache');
  if (!existsSync(cache)) return false;
  return readdirSync(cache).some((key) => existsSync(join(cache, key, 'files', 'node_modules', '.package-lock.json')));
}

function count(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await delay(100);
  }
}

/** Folders (down to `depth` below `dir`) where npm ci left its record of what it installed. */
function findInstalled(dir: string, depth: number): string[] {
  if (!existsSync(dir)) return [];
  if (existsSync(join(dir, 'node_modules', '.package-lock.json'))) return [dir];
  if (depth === 0) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== 'node_modules' && e.name !== '.git')
    .flatMap((e) => findInstalled(join(dir, e.name), depth - 1));
}
