// The extension in a real VS Code (code-server + Chromium): it activates on its view, shows the
// welcome, picks up a session written through the file store, opens its Event Log and the
// approval card; and an untrusted workspace refuses to run agents.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { CodeServer, Workbench } from './support/codeServer.ts';
import { writeSampleSession } from './support/sampleSession.ts';

function makeRepo(root: string): string {
  const repo = join(root, 'widgets');
  mkdirSync(repo, { recursive: true });
  writeFileSync(join(repo, 'README.md'), '# widgets\n');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-qm', 'init');
  return repo;
}

describe('Agent OS in code-server (trusted workspace)', { timeout: 240_000 }, () => {
  let root: string;
  let sessionsDir: string;
  let server: CodeServer;
  let wb: Workbench;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'agent-os-e2e-ws-'));
    sessionsDir = join(root, 'sessions');
    server = await CodeServer.start({
      workspace: makeRepo(root),
      settings: { 'agentOs.sessionsDirectory': sessionsDir },
    });
    wb = await Workbench.open(server);
  });

  after(async () => {
    if (process.env['AGENT_OS_E2E_LOGS']) console.log(server?.logs());
    await wb?.close();
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('activates on its view and shows the welcome', async () => {
    await wb.openThreadsView();
    const welcome = wb.threadsPane().locator('.welcome-view-content');
    await welcome.waitFor({ state: 'visible', timeout: 30_000 });
    const text = await welcome.innerText();
    assert.match(text, /No sessions yet/);
    assert.match(text, /Plan and Implement Issue/);
    await wb.screenshot('01-threads-welcome');
  });

  test('shows a session written through the file store, with its threads', async () => {
    await writeSampleSession(new FileSessionStore(sessionsDir), 'acme/widgets#7: widget count is off by one', {
      rounds: 40,
    });
    await wb.runCommand('Agent OS: Refresh Threads');
    const session = await wb.waitForTreeItem(/widget count is off by one/);
    assert.match(session, /waiting for you/);
    for (const agent of ['Coordinator', 'Planner', 'Coder', 'Reviewer'])
      await wb.waitForTreeItem(new RegExp(`^${agent} — `));
    const items = await wb.treeItems();
    assert.ok(
      items.some((t) => /^Coder — idle · [\d.]+k tokens/.test(t)),
      JSON.stringify(items),
    );
    await wb.screenshot('02-threads-session');
  });

  test('opens the Event Log with tool calls and the approval card', async () => {
    await wb.threadsPane().locator('.monaco-list-row', { hasText: 'widget count is off by one' }).first().click();
    const frame = await wb.webviewFrame('.viewport .row');
    await frame.waitForSelector('.card.verdict vscode-button[data-action="approve"]', { timeout: 20_000 });
    const verdict = await frame.locator('.card.verdict').innerText();
    assert.match(verdict, /APPROVE/);
    assert.match(verdict, /npm test passes/);
    assert.match(verdict, /npm test/);
    // Following the end of the log: the last rows are the verdict and the idle status.
    await frame.waitForSelector('.row[data-seq] .title >> text=/Verdict: APPROVE/', { timeout: 10_000 });
    const nodes = await frame.evaluate(() => document.getElementsByTagName('*').length);
    assert.ok(nodes < 1400, `DOM nodes: ${nodes}`);
    await wb.screenshot('03-event-log-verdict');

    // Tool calls: scroll to the top and find the Planner's grep with its result.
    await frame.locator('.viewport').evaluate((el) => (el.scrollTop = 0));
    await frame.waitForSelector('.row .title >> text=/^grep countWidgets/', { timeout: 10_000 });
    await frame.waitForSelector('.row .title >> text=/grep returned/', { timeout: 10_000 });
    await wb.screenshot('04-event-log-tools');
  });

  test('selecting a thread opens its own Event Log', async () => {
    await wb.threadsPane().locator('.monaco-list-row', { hasText: 'Planner' }).first().click();
    await wb.page.locator('.tab', { hasText: 'Event Log: Planner' }).waitFor({ state: 'visible', timeout: 20_000 });
    const frame = await wb.webviewFrame('.viewport .row .title >> text=/^grep countWidgets/');
    const agents = await frame.locator('.row[data-seq] .agent').allTextContents();
    assert.ok(agents.length > 0);
    // The Planner's view: its own events, and the Coordinator's records about the Planner.
    assert.ok(
      agents.every((a) => a === 'Planner' || a === 'Coordinator'),
      JSON.stringify(agents),
    );
    await wb.screenshot('05-event-log-thread');
  });

  test('an always_ask tool call shows Allow and Deny on a card', async () => {
    const meta = await writeSampleSession(new FileSessionStore(sessionsDir), 'acme/widgets#9: health check', {
      rounds: 2,
      withToolAsk: true,
      stopRunning: true,
    });
    await wb.runCommand('Agent OS: Refresh Threads');
    await wb.waitForTreeItem(/health check — interrupted/);
    await wb.threadsPane().locator('.monaco-list-row', { hasText: 'health check' }).first().click();
    const frame = await wb.webviewFrame('.card.ask vscode-button[data-action="allowTool"]');
    assert.match(await frame.locator('.card.ask').innerText(), /Coder asks to run bash[\s\S]*curl -fsS/);
    assert.equal(await frame.locator('.card.ask vscode-button[data-action="denyTool"]').count(), 1);
    await wb.screenshot('05b-event-log-tool-ask');
    void meta;
  });

  test('filters the Event Log by kind', async () => {
    const frame = await wb.webviewFrame('.viewport .row');
    for (const kind of ['message', 'thread', 'status', 'usage', 'review', 'error']) {
      await frame.locator(`vscode-checkbox[data-kind="${kind}"]`).click();
    }
    await frame.waitForFunction(
      () => {
        const rows = [...document.querySelectorAll('.row[data-seq]')];
        return rows.length > 0 && rows.every((r) => r.classList.contains('kind-tool'));
      },
      undefined,
      { timeout: 10_000 },
    );
    await wb.screenshot('06-event-log-filtered');
  });
});

describe('Agent OS in code-server (untrusted workspace)', { timeout: 180_000 }, () => {
  let root: string;
  let server: CodeServer;
  let wb: Workbench;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'agent-os-e2e-untrusted-'));
    server = await CodeServer.start({
      workspace: makeRepo(root),
      workspaceTrust: true,
      settings: { 'agentOs.sessionsDirectory': join(root, 'sessions') },
    });
    wb = await Workbench.open(server);
  });

  after(async () => {
    if (process.env['AGENT_OS_E2E_LOGS']) console.log(server?.logs());
    await wb?.close();
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('refuses to run agents and says why', async () => {
    await wb.openThreadsView();
    const welcome = wb.threadsPane().locator('.welcome-view-content');
    await welcome.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await welcome.innerText(), /Restricted Mode/);
    await wb.runCommand('Agent OS: Plan and Implement Issue');
    const message = await wb.waitForNotification(/does not run agents in Restricted Mode/);
    assert.match(message, /Trust the workspace/);
    await wb.screenshot('07-untrusted-refuses');
  });
});
