// The person's answers through the Event Log cards, in a real VS Code on the scripted model: an
// `always_ask` bash call (a workspace Coder whose bash asks) is allowed and runs; the next is denied with
// a reason the Coder reads; a third is allowed from its notification's link; then Request Changes… on the
// Reviewer's APPROVE sends its text to the Coordinator. All along the session has one notification at a
// time, closed when its question is answered in the Event Log and replaced by the next question. The script's `expect`s and the recorded requests check what the model was sent. The
// agent-file language server is killed mid-session, which the session never notices.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseModelScript } from '../../src/testkit/model/modelScript.ts';
import { ScriptedModelServer } from '../../src/testkit/model/scriptedModelServer.ts';
import { CodeServer, processesOf, Workbench } from './support/codeServer.ts';

const DENY_REASON = 'do not touch the network, read the config instead';
const FEEDBACK = 'also log the health check result';
const CODER = `---\nname: Coder\ndescription: Our Coder; every shell command waits for approval.\nask: bash\n---\nYou change code.\n`;

const tool = (name: string, input: Record<string, unknown>) => ({ type: 'tool_use', name, input });
const text = (t: string) => ({ type: 'text', text: t });
const SCRIPT = {
  agents: {
    Coordinator: [
      { content: [tool('send_to_agent', { agent_name: 'Coder', message: 'Check the health endpoint.' })] },
      { content: [tool('send_to_agent', { agent_name: 'Reviewer', message: 'Review the change.' })] },
      { content: [text('Sending the feedback to the Coder.')], expect: { last_user_text_includes: FEEDBACK } },
    ],
    Coder: [
      { content: [tool('bash', { command: 'echo allowed-run-output' })] },
      {
        content: [tool('bash', { command: 'curl -fsS http://127.0.0.1:9/health' })],
        expect: { last_user_text_includes: 'allowed-run-output' },
      },
      {
        content: [tool('bash', { command: 'echo notified-run-output' })],
        expect: { last_user_text_includes: DENY_REASON },
      },
      // Terminal escapes and a bidi override in model text: the Event Log shows them as text.
      {
        content: [text('Read the config instead. \x1b]0;owned\x07\x1b[2J \u202eexe.txt')],
        expect: { last_user_text_includes: 'notified-run-output' },
      },
    ],
    Reviewer: [{ content: [text('```json\n{ "decision": "APPROVE", "summary": "The check is in place." }\n```')] }],
  },
};

describe('approval cards in the Event Log', { timeout: 300_000 }, () => {
  let root: string;
  let model: ScriptedModelServer;
  let server: CodeServer;
  let wb: Workbench;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'agent-os-e2e-approvals-'));
    const repo = join(root, 'service');
    mkdirSync(join(repo, '.agents'), { recursive: true });
    writeFileSync(join(repo, 'README.md'), '# service\n');
    writeFileSync(join(repo, '.agents', 'Coder.md'), CODER);
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], {
        cwd: repo,
        stdio: 'ignore',
      });
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-qm', 'init');
    model = await ScriptedModelServer.start({ script: parseModelScript(SCRIPT) });
    server = await CodeServer.start({
      workspace: repo,
      settings: {
        'agentOs.sessionsDirectory': join(root, 'sessions'),
        'agentOs.anthropic.baseUrl': model.url,
        'agentOs.sandbox': 'worktree',
      },
    });
    wb = await Workbench.open(server);
    // Nothing of ours is opened yet: the workspace's agent file alone activates the extension, which
    // starts the agent-file server.
    await waitUntil(() => processesOf(server, 'lspServer.js').length === 1, 60_000);
    await wb.openThreadsView();
    await wb.runCommand('Agent OS: Set Anthropic API Key');
    await wb.answerInputTitled('Anthropic API Key', 'sk-ant-e2e-scripted-model');
    await wb.waitForNotification(/API key saved/);
  });

  after(async () => {
    if (process.env['AGENT_OS_E2E_LOGS']) console.log(server?.logs());
    await wb?.close();
    await server?.stop();
    await model?.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** Waits until the "asks to run" notifications on screen are exactly one per command given, in order. */
  const waitForAskNotifications = async (commands: string[]) => {
    let seen: string[] = [];
    await waitFor(
      async () => {
        seen = (await wb.notifications()).filter((t) => / asks to run /.test(t));
        return seen.length === commands.length && commands.every((c, i) => seen[i]?.includes(c));
      },
      () => `ask notifications ${JSON.stringify(commands)}; on screen: ${JSON.stringify(seen)}`,
    );
  };

  /** The Event Log's card for the pending call of `command`, once it shows. */
  const askCard = async (command: string) => {
    const frame = await wb.webviewFrame(
      `.card.ask:has-text("${command}") vscode-button[data-action="allowTool"]`,
      120_000,
    );
    return { frame, card: frame.locator('.card.ask', { hasText: command }) };
  };

  test('Allow runs an always_ask tool call', async () => {
    await wb.runCommandAndPick('Agent OS: Plan and Implement Issue', 'Describe a task');
    await wb.answerInputTitled('Describe a task', 'Add a health check');
    await wb.waitForTreeItem(/Add a health check — waiting for you/, 120_000);
    await wb.threadsPane().locator('.monaco-list-row', { hasText: 'Add a health check' }).first().click();
    const { card } = await askCard('echo allowed-run-output');
    assert.match(await card.innerText(), /Coder asks to run bash/);
    await wb.screenshot('30-approvals-tool-ask');
    // The agent-file server (started for .agents/Coder.md) is its own process: killing it leaves the session be.
    const lsp = processesOf(server, 'lspServer.js');
    assert.equal(lsp.length, 1);
    process.kill(lsp[0]!, 'SIGKILL');
    await waitForAskNotifications(['echo allowed-run-output']);
    await card.locator('vscode-button[data-action="allowTool"]').click();
    // The next call asks in turn; the Coder's request for it carried the first call's output (script expect).
    await askCard('curl -fsS');
    // Answered in the Event Log, the first call's notification closed; the next one replaced it.
    await waitForAskNotifications(['curl -fsS']);
    await wb.screenshot('30b-approvals-one-notification');
  });

  test('Deny with a reason: the Coder reads the reason', async () => {
    const { card } = await askCard('curl -fsS');
    await card.locator('vscode-button[data-action="denyTool"]').click();
    await wb.answerInputTitled('Deny Tool', DENY_REASON);
    await askCard('echo notified-run-output');
    assert.ok(coderSaw(model, DENY_REASON), 'the Coder was sent the reason');
    await waitForAskNotifications(['echo notified-run-output']);
  });

  test("Allow in a notification's link runs the call; the verdict's notification replaces it", async () => {
    const toast = wb.page.locator('.notification-toast', { hasText: 'echo notified-run-output' });
    // The choices are links in the message, whole (buttons were cut: "Approve and C…").
    await wb.screenshot('31-approvals-notification-links');
    await toast.locator('a', { hasText: /^Allow$/ }).click();
    const frame = await wb.webviewFrame('.card.verdict vscode-button[data-action="requestChanges"]', 120_000);
    assert.ok(coderSaw(model, 'notified-run-output'), 'the call ran and the Coder read its output');
    assert.equal(await frame.locator('.card.ask').count(), 0);
    // The rows are a virtualized list: scroll to its end, where the Coder's last message is.
    await frame.locator('.viewport').evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    const hostile = await frame
      .locator('.row .title', { hasText: 'Read the config instead.' })
      .first()
      .innerText({ timeout: 15_000 });
    assert.equal(hostile, 'Read the config instead. ␛]0;owned␇␛[2J \\u{202e}exe.txt');
    await waitForAskNotifications([]);
    await wb.waitForNotification(
      /^Reviewer approves "Add a health check": The check is in place\. — Approve and Create PR · Show Changes · Request Changes… · Open Event Log/,
      30_000,
    );
    assert.equal((await wb.notifications()).filter((t) => /^Reviewer approves/.test(t)).length, 1);
    await wb.screenshot('31b-approvals-verdict');
  });

  test('Request Changes… sends the text to the Coordinator', async () => {
    const frame = await wb.webviewFrame('.card.verdict vscode-button[data-action="requestChanges"]');
    await frame.locator('.card.verdict vscode-button[data-action="requestChanges"]').click();
    await wb.answerInputTitled('Request Changes', FEEDBACK);
    await wb.waitForTreeItem(/Add a health check — (idle|done|waiting for you)/, 60_000);
    // Answered in the Event Log, the verdict's notification closed.
    await waitFor(
      async () => !(await wb.notifications()).some((t) => /^Reviewer approves/.test(t)),
      'the verdict notification closes',
    );
    await waitUntil(() =>
      model.requests.some(
        (r) => r.agent === 'Coordinator' && r.outcome.kind === 'turn' && JSON.stringify(r.body).includes(FEEDBACK),
      ),
    );
    assert.ok(
      model.requests.every((r) => r.outcome.kind === 'turn'),
      'every request matched the script',
    );
    await wb.screenshot('32-approvals-changes-requested');
  });
});

function coderSaw(model: ScriptedModelServer, needle: string): boolean {
  return model.requests.some((r) => r.agent === 'Coder' && JSON.stringify(r.body).includes(needle));
}

async function waitFor(
  check: () => Promise<boolean>,
  what: string | (() => string),
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function waitUntil(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}
