// Claude Code agent files in category subfolders, in a real VS Code: a workspace whose only agent file is
// `.claude/agents/team/team-lead.md` starts the agent language server, and its Problems show the
// warnings for what Agent OS does not do (agent-team tools, unknown keys) — none as errors.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CodeServer, processesOf, Workbench } from './support/codeServer.ts';

const TEAM_LEAD = `---
name: team-lead
description: Leads a small agent team and keeps the shared task list current.
category: orchestration
tools: TaskCreate, TaskList, SendMessage, Agent(test-runner), Read
---
You lead the team.
`;
const TEST_RUNNER =
  '---\nname: test-runner\ndescription: Runs the tests.\ntools: Read, Bash\nmodel: claude-haiku-4-5-20251001\n---\nRun the tests.\n';

describe('agent files in nested folders in code-server', { timeout: 240_000 }, () => {
  let root: string;
  let server: CodeServer;
  let wb: Workbench;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'agent-os-e2e-nested-'));
    const workspace = join(root, 'ws');
    mkdirSync(join(workspace, '.claude', 'agents', 'team'), { recursive: true });
    mkdirSync(join(workspace, '.claude', 'agents', 'quality'), { recursive: true });
    writeFileSync(join(workspace, '.claude', 'agents', 'team', 'team-lead.md'), TEAM_LEAD);
    writeFileSync(join(workspace, '.claude', 'agents', 'quality', 'test-runner.md'), TEST_RUNNER);
    server = await CodeServer.start({ workspace, settings: { 'agentOs.sessionsDirectory': join(root, 'sessions') } });
    wb = await Workbench.open(server);
  });

  after(async () => {
    if (process.env['AGENT_OS_E2E_LOGS']) console.log(server?.logs());
    await wb?.close();
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('a nested Claude Code file starts the server; its problems are warnings, its Agent(…) resolves', async () => {
    await wb.openThreadsView();
    const rows = await wb.waitForProblems(
      (r) => r.some((t) => /TaskCreate/.test(t)) && r.some((t) => /category/.test(t)),
      90_000,
    );
    assert.ok(processesOf(server, 'lspServer.js').length === 1, 'the agent language server runs');
    assert.ok(
      rows.some((t) => /team-lead\.md/.test(t)),
      JSON.stringify(rows),
    );
    assert.ok(
      rows.some((t) => /not supported yet/.test(t)),
      JSON.stringify(rows),
    );
    // test-runner is found in its own subfolder, so Agent(test-runner) is no unknown agent; its model id no warning.
    assert.ok(!rows.some((t) => /unknown agent|unknown model|unknown tool/.test(t)), JSON.stringify(rows));
    await wb.screenshot('25-lsp-nested-claude-agents');
  });
});
