// The main flow in a real VS Code: Plan and Implement Issue on the scripted model server and the
// GitHub stand-in; the Threads tree shows the four agents live; the Event Log shows the tool calls; a
// reload mid-session leaves the session interrupted and Resume finishes it; Approve opens the pull
// request. Everything the extension talks to is real and local: git, HTTP, the runtime.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SampleRepository } from '../../src/testkit/demo/sampleRepository.ts';
import type { GitHubStandIn } from '../../src/testkit/github/githubStandIn.ts';
import { delay, type Workbench } from './support/codeServer.ts';
import { openDemoInCodeServer, type DemoInCodeServer } from './support/demoInCodeServer.ts';

/** Streamed model events are paced so the run lasts long enough to watch (and to reload mid-way). */
const PACE_MS = 40;

describe('Plan and Implement Issue, end to end', { timeout: 600_000 }, () => {
  let demo: DemoInCodeServer;
  let sample: SampleRepository;
  let github: GitHubStandIn;
  let wb: Workbench;
  let title: RegExp;

  before(async () => {
    demo = await openDemoInCodeServer({ prefix: 'agent-os-e2e-flow-', paceMs: PACE_MS });
    ({ sample, github, wb } = demo);
    title = new RegExp(`#${sample.issue.number}: parseDuration`);
  });

  after(async () => {
    await demo?.close();
  });

  test('stores the API key in secret storage', async () => {
    await wb.openThreadsView();
    await wb.runCommand('Agent OS: Set Anthropic API Key');
    await wb.answerInput('sk-ant-e2e-scripted-model');
    await wb.waitForNotification(/API key saved in secret storage/);
  });

  test('picks the open issue and shows the four threads live', async () => {
    await wb.runCommandAndPick(
      'Agent OS: Plan and Implement Issue',
      `#${sample.issue.number} ${sample.issue.title.slice(0, 30)}`,
    );
    await wb.waitForTreeItem(title, 60_000);
    await wb.waitForTreeItem(/^Coordinator — running/, 60_000);
    await wb.screenshot('10-flow-started');
    for (const agent of ['Planner', 'Coder']) await wb.waitForTreeItem(new RegExp(`^${agent} — `), 120_000);
    await wb.waitForTreeItem(/^Coder — running/, 120_000);
    // Progress in the status bar while the session runs.
    await wb.page
      .locator('.statusbar-item', { hasText: 'Agent OS: 1 running' })
      .waitFor({ state: 'visible', timeout: 10_000 });
    await wb.screenshot('11-flow-coder-running');
  });

  test('the Event Log shows the tool calls as they happen', async () => {
    const frame = await wb.webviewFrame('.viewport .row[data-seq]');
    await frame.waitForSelector('.row.kind-tool', { timeout: 60_000 });
    const tools = await frame.locator('.row.kind-tool .title').allTextContents();
    assert.ok(tools.length > 0);
    await wb.screenshot('12-flow-event-log-live');
  });

  test('a reload mid-session shows it interrupted, and Resume finishes it', async () => {
    const before = await wb.treeItems();
    assert.ok(
      before.some((t) => title.test(t) && /running/.test(t)),
      `still running before the reload: ${JSON.stringify(before)}`,
    );
    await wb.reload();
    await wb.openThreadsView();
    await wb.waitForTreeItem(new RegExp(`${title.source}.* — interrupted`), 60_000);
    // The Event Log panel came back with the window (its serializer), showing the same session.
    await wb.webviewFrame('body[data-status="interrupted"] .viewport .row[data-seq]', 30_000);
    await wb.screenshot('13-flow-interrupted');
    // The old window's extension host may take a moment to let go of the session.
    await delay(1_000);
    await wb.runCommandAndPick('Agent OS: Resume Session', sample.issue.title.slice(0, 30));
    await wb.waitForTreeItem(/^Reviewer — /, 240_000);
    await wb.waitForTreeItem(new RegExp(`${title.source}.* — waiting for you`), 240_000);
    // The verdict also arrives as a notification with the same actions.
    await wb.waitForNotification(/^Reviewer approves/, 30_000);
    await wb.screenshot('14-flow-verdict');
  });

  test('Approve and Create PR opens the pull request on the stand-in', async () => {
    await wb
      .threadsPane()
      .locator('.monaco-list-row', { hasText: sample.issue.title.slice(0, 20) })
      .first()
      .click();
    const frame = await wb.webviewFrame('.card.verdict vscode-button[data-action="approve"]', 30_000);
    await wb.screenshot('15-flow-approval-card');
    // Show Changes: the worktree's diff against its base, file by file in the diff editor.
    await frame.locator('.card.verdict vscode-button[data-action="showChanges"]').click();
    const everyFile = wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Open every file' });
    if (
      await everyFile.waitFor({ state: 'visible', timeout: 10_000 }).then(
        () => true,
        () => false,
      )
    )
      await everyFile.click();
    await wb.page.locator('.monaco-diff-editor').first().waitFor({ state: 'visible', timeout: 20_000 });
    await wb.page
      .locator('.monaco-diff-editor', { hasText: 'parseDuration' })
      .first()
      .waitFor({ state: 'visible', timeout: 20_000 });
    await wb.screenshot('15b-flow-show-changes');
    await wb.runCommandAndPick('Agent OS: Open Event Log', sample.issue.title.slice(0, 30));
    const card = await wb.webviewFrame('.card.verdict vscode-button[data-action="approve"]', 30_000);
    await card.locator('.card.verdict vscode-button[data-action="approve"]').click();
    await card.waitForSelector('.card.pr .pr-link', { timeout: 120_000 });
    const link = await card.locator('.card.pr .pr-link').innerText();
    const prs = github.pullRequests();
    assert.equal(prs.length, 1);
    assert.equal(link, prs[0]!.url);
    await wb.waitForTreeItem(new RegExp(`${title.source}.* — done`), 30_000);
    // Approved in the Event Log, the verdict's notification closed with it (the tree follows the same log).
    assert.deepEqual(
      (await wb.notifications()).filter((t) => /^Reviewer approves/.test(t)),
      [],
    );
    await wb.screenshot('16-flow-pull-request');
  });
});
