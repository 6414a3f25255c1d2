// The opt-in setting `agentOs.resumeInterruptedAutomatically`: a session interrupted by a window reload
// resumes by itself when the window comes back, with no Resume command, and runs to the verdict.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openDemoInCodeServer, startOnTheIssue, type DemoInCodeServer } from './support/demoInCodeServer.ts';

describe('resume interrupted sessions automatically (opt-in)', { timeout: 600_000 }, () => {
  let demo: DemoInCodeServer;

  before(async () => {
    // Paced so the run is still going when the window reloads.
    demo = await openDemoInCodeServer({
      prefix: 'agent-os-e2e-autoresume-',
      paceMs: 40,
      settings: { 'agentOs.resumeInterruptedAutomatically': true },
    });
  });

  after(async () => {
    await demo?.close();
  });

  test('a session cut off by a reload goes on by itself to the verdict', async () => {
    const { wb, sample, model } = demo;
    const title = new RegExp(`#${sample.issue.number}: parseDuration`);
    await startOnTheIssue(demo);
    await wb.waitForTreeItem(/^Coder — running/, 180_000);
    const requestsBefore = model.requests.length;
    await wb.reload();
    await wb.openThreadsView();
    // No Resume command is run: the setting resumes it, and it reaches the Reviewer's verdict.
    await wb.waitForTreeItem(new RegExp(`${title.source}.* — waiting for you`), 300_000);
    assert.ok(model.requests.length > requestsBefore, 'the model was asked again after the reload');
    assert.ok(
      model.requests.every((r) => r.outcome.kind !== 'error'),
      'every request matched the script',
    );
    await wb.screenshot('40-auto-resumed-verdict');
  });
});
