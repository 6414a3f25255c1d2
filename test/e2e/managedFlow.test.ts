// The managed backend in a real VS Code: with `agentOs.backend: managed` the same command runs the session
// on the platform stand-in (reached through the real SDK), the extension's own environment worker runs the
// tools in the OS sandbox, the platform's events are mirrored into the local store — and the person sees
// and does exactly what local mode shows: the four threads in the Threads tree, the tool calls in the
// Event Log, the verdict's notification, Approve and Create PR opening one pull request.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openDemoInCodeServer, startOnTheIssue, type DemoInCodeServer } from './support/demoInCodeServer.ts';

describe('Plan and Implement Issue on the managed backend, end to end', { timeout: 600_000 }, () => {
  let demo: DemoInCodeServer;
  let title: RegExp;

  before(async () => {
    demo = await openDemoInCodeServer({ prefix: 'agent-os-e2e-managed-', paceMs: 20, backend: 'managed' });
    title = new RegExp(`#${demo.sample.issue.number}: parseDuration`);
  });

  after(async () => {
    await demo?.close();
  });

  test('the session runs on the platform and shows the four threads', async () => {
    const { wb, platform } = demo;
    await startOnTheIssue(demo);
    await wb.waitForTreeItem(title, 60_000);
    for (const agent of ['Coordinator', 'Planner', 'Coder', 'Reviewer'])
      await wb.waitForTreeItem(new RegExp(`^${agent} — `), 240_000);
    await wb.waitForTreeItem(new RegExp(`${title.source}.* — waiting for you`), 240_000);
    await wb.waitForNotification(/^Reviewer approves/, 30_000);
    // It ran there: the platform holds the session and the agents synced from this workspace.
    assert.equal(platform?.sessions.size, 1);
    assert.deepEqual([...(platform?.agents.values() ?? [])].map((versions) => versions.at(-1)?.name).sort(), [
      'Coder',
      'Coordinator',
      'Planner',
      'Reviewer',
    ]);
    await wb.screenshot('30-managed-verdict');
  });

  test('the Event Log shows the tool calls the worker ran, and Approve opens one pull request', async () => {
    const { wb, sample, github } = demo;
    await wb.runCommandAndPick('Agent OS: Open Event Log', sample.issue.title.slice(0, 30));
    const card = await wb.webviewFrame('.card.verdict vscode-button[data-action="approve"]', 30_000);
    const tools = await card.locator('.row.kind-tool .title').allTextContents();
    assert.ok(
      tools.some((t) => /bash|write|edit/.test(t)),
      `tool rows: ${JSON.stringify(tools)}`,
    );
    await card.locator('.card.verdict vscode-button[data-action="approve"]').click();
    await card.waitForSelector('.card.pr .pr-link', { timeout: 120_000 });
    const prs = github.pullRequests();
    assert.equal(prs.length, 1);
    assert.equal(await card.locator('.card.pr .pr-link').innerText(), prs[0]!.url);
    await wb.waitForTreeItem(new RegExp(`${title.source}.* — done`), 30_000);
    await wb.screenshot('31-managed-pull-request');
  });
});
