// The agent-file language server in a real VS Code: a bad `.agents/*.md` shows its problems in the
// Problems panel (the server starts when an agent folder appears, not for other Markdown), fixing the
// file clears them as one types, and a killed server is restarted by the client.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CodeServer, processesOf, QUICK_INPUT, Workbench } from './support/codeServer.ts';

const agentFile = (extra: string) =>
  `---\nname: bad\ndescription: An agent with mistakes.\ntools: read, teleport\n${extra}---\nYou check things.\n`;
const BAD = agentFile('colour: blue\n');
const FIXED = '---\nname: bad\ndescription: An agent without mistakes.\ntools: read, grep\n---\nYou check things.\n';

describe('agent file diagnostics in code-server', { timeout: 240_000 }, () => {
  let root: string;
  let file: string;
  let server: CodeServer;
  let wb: Workbench;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'agent-os-e2e-lsp-'));
    const workspace = join(root, 'ws');
    mkdirSync(workspace, { recursive: true });
    writeFileSync(join(workspace, 'README.md'), '---\nname: not an agent\ncolour: blue\n---\n# ws\n');
    file = join(workspace, '.agents', 'bad.md');
    server = await CodeServer.start({ workspace, settings: { 'agentOs.sessionsDirectory': join(root, 'sessions') } });
    wb = await Workbench.open(server);
  });

  after(async () => {
    if (process.env['AGENT_OS_E2E_LOGS']) console.log(server?.logs());
    await wb?.close();
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('ordinary Markdown does not start the server', async () => {
    await wb.openThreadsView();
    await wb.page.keyboard.press('Control+P');
    await wb.page.locator(QUICK_INPUT).fill('README.md');
    await wb.pickQuickItem('README.md');
    await wb.page.locator('.tab', { hasText: 'README.md' }).waitFor({ state: 'visible', timeout: 10_000 });
    await waitFor(() => /activated in/.test(server.logs()));
    await new Promise((r) => setTimeout(r, 2_000));
    assert.deepEqual(processesOf(server, 'lspServer.js'), []);
  });

  test('a bad agent file shows its problems; fixing it clears them', async () => {
    // Written on disk, not opened: the new agent folder starts the server, which checks the file.
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, BAD);
    const rows = await wb.waitForProblems(
      (r) => r.some((t) => /teleport/.test(t)) && r.some((t) => /colour/.test(t)),
      90_000,
    );
    assert.ok(rows.some((t) => /bad\.md/.test(t)) && !rows.some((t) => /README/.test(t)), JSON.stringify(rows));
    await wb.screenshot('20-lsp-problems');
    await wb.runCommand('Agent OS: Open Agent Definitions');
    await editor().click();
    await wb.page.keyboard.press('Control+A');
    await wb.page.keyboard.insertText(FIXED);
    await wb.waitForProblems((r) => !r.some((t) => /teleport|colour/.test(t)));
    await wb.screenshot('21-lsp-problems-cleared');
  });

  test('a killed server is restarted and checks again', async () => {
    assert.doesNotMatch(server.logs(), /restarting it/);
    const [pid, ...others] = processesOf(server, 'lspServer.js');
    assert.ok(
      pid !== undefined && others.length === 0,
      `one server process, found ${JSON.stringify([pid, ...others])}`,
    );
    process.kill(pid, 'SIGKILL');
    // The new process is up before the edit, so the check below is the new server's.
    await wb.capturing('lsp-restart', () => waitFor(() => processesOf(server, 'lspServer.js').some((p) => p !== pid)));
    await editor().click();
    await wb.page.keyboard.press('Control+Home');
    for (let i = 0; i < 4; i++) await wb.page.keyboard.press('ArrowDown');
    await wb.page.keyboard.type('maxTokens: 3');
    await wb.page.keyboard.press('Enter');
    await wb.waitForProblems((r) => r.some((t) => /maxTokens/.test(t)));
    assert.match(server.logs(), /restarting it/);
    await wb.screenshot('22-lsp-restarted-problems');
  });

  const editor = () => wb.page.locator('.editor-instance .monaco-editor[data-uri$="bad.md"] .view-lines').first();
});

async function waitFor(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}
