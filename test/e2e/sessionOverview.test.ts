// The Session Overview of the demo session in a real VS Code: opened from the session's row, it shows
// the plan as a checklist with its steps' states, the verdict card with its evidence, one timeline lane
// per thread and the cost chart; its timeline opens events in the Event Log; Show Changes and Approve
// and Create PR work from it; it comes back after a reload. Screenshots in the light, dark and
// high-contrast themes are kept in test-artifacts/e2e/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Frame } from 'playwright-core';
import type { SampleRepository } from '../../src/testkit/demo/sampleRepository.ts';
import { QUICK_INPUT, type Workbench } from './support/codeServer.ts';
import { openDemoInCodeServer, startOnTheIssue, type DemoInCodeServer } from './support/demoInCodeServer.ts';

describe('Session Overview, end to end', { timeout: 600_000 }, () => {
  let demo: DemoInCodeServer;
  let sample: SampleRepository;
  let wb: Workbench;
  let title: RegExp;

  before(async () => {
    demo = await openDemoInCodeServer({ prefix: 'agent-os-e2e-overview-', paceMs: 0 });
    ({ sample, wb } = demo);
    title = new RegExp(`#${sample.issue.number}: parseDuration`);
    await startOnTheIssue(demo);
    await wb.waitForTreeItem(new RegExp(`${title.source}.* — waiting for you`), 300_000);
  });

  after(async () => {
    await demo?.close();
  });

  /** The overview's frame once it has drawn `selector`. */
  const overview = (selector: string, timeoutMs = 30_000) => wb.webviewFrame(`main.overview ${selector}`, timeoutMs);

  test("opens from the session's row and shows the checklist, the verdict, the lanes and the cost chart", async () => {
    const row = wb
      .threadsPane()
      .locator('.monaco-list-row', { hasText: sample.issue.title.slice(0, 20) })
      .first();
    await row.hover();
    await row.locator('.action-label[aria-label="Open Session Overview"]').click();
    const frame = await overview('.steps .step[data-state="passed"]');
    await wb.page.locator('.tab', { hasText: /^Overview: / }).waitFor({ state: 'visible', timeout: 10_000 });

    // The plan: both demo steps ran their validation after the plan, and passed.
    const steps = await frame
      .locator('.steps .step')
      .evaluateAll((els) => els.map((e) => [e.getAttribute('data-step'), e.getAttribute('data-state')]));
    assert.deepEqual(steps, [
      ['1', 'passed'],
      ['2', 'passed'],
    ]);
    const step2 = await frame.locator('.step[data-step="2"]').innerText();
    assert.match(step2, /node --test test\/compoundDuration\.test\.js/);
    assert.match(step2, /test\/compoundDuration\.test\.js/);
    assert.match(step2, /exit 0 · 2 passed, 0 failed/);
    assert.match(step2, /1 attempt/);

    // The verdict with its evidence: the second review approves; the test run; commits; the changed files with +/−.
    const verdict = frame.locator('.section.verdict');
    assert.match(await verdict.locator('h2').innerText(), /APPROVE · review 2/);
    // First the runtime's own run of the repository's test command (the verdict gate), then the Reviewer's.
    assert.match(
      await verdict.locator('.test-run').first().innerText(),
      /npm test \(run by Agent OS\)[\s\S]*exit 0 · 8 passed, 0 failed/,
    );
    assert.match(
      await verdict.locator('.test-run').nth(1).innerText(),
      /node --test[\s\S]*exit 0 · 8 passed, 0 failed/,
    );
    await frame.waitForSelector('.section.verdict table.files', { timeout: 30_000 });
    const files = await verdict.locator('table.files tbody tr').allInnerTexts();
    assert.ok(
      files.some((f) => /src\/parseDuration\.js\s+\+24\s+−5/.test(f)),
      JSON.stringify(files),
    );
    assert.ok(
      files.some((f) => /test\/compoundDuration\.test\.js\s+\+26/.test(f)),
      JSON.stringify(files),
    );
    for (const action of ['approve', 'showChanges', 'requestChanges'])
      assert.equal(await verdict.locator(`button[data-action="${action}"]`).count(), 1, action);

    // The sandbox said plainly, and the issue.
    assert.match(await frame.locator('.section.head').innerText(), /Sandbox\s+os — Confined by the OS sandbox/);

    // One lane per thread, with spans; arrows for the thread messages.
    const lanes = await frame
      .locator('g.lane')
      .evaluateAll((els) => els.map((e) => [e.getAttribute('data-agent'), e.querySelectorAll('rect.span').length]));
    assert.deepEqual(
      lanes.map(([agent]) => agent),
      ['Coordinator', 'Planner', 'Coder', 'Reviewer'],
    );
    assert.ok(
      lanes.every(([, n]) => Number(n) > 0),
      JSON.stringify(lanes),
    );
    assert.ok((await frame.locator('g.arrows line.message').count()) >= 6);
    assert.ok((await frame.locator('rect.span.kind-validation').count()) >= 2, 'the validation runs are drawn as such');
    assert.ok((await frame.locator('rect.span.kind-delegation').count()) >= 5, 'the delegations too');
    const laneLabel = await frame.locator('g.lane[data-agent="Coder"]').getAttribute('aria-label');
    assert.match(laneLabel ?? '', /^Coder \(idle\): 9 model requests, \d+ tool calls, 2 validation runs/);

    // Cost and tokens per thread.
    const bars = await frame
      .locator('.cost-svg .bar-row')
      .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    assert.equal(bars.length, 5);
    assert.match(bars[0] ?? '', /^Session total: \$0\.\d\d · [\d.]+k tokens$/);
    assert.ok(
      bars
        .slice(1)
        .every((b) => /^(Coordinator|Planner|Coder|Reviewer): \$0\.\d\d, [\d.]+k tokens, \d+ requests$/.test(b ?? '')),
      JSON.stringify(bars),
    );

    // The text alternative of the timeline.
    await frame.locator('.timeline-text summary').click();
    assert.match(await frame.locator('.lanes-table').innerText(), /Coder\s+idle\s+9/);
  });

  test('screenshots in the dark, light and high-contrast themes', async () => {
    for (const [theme, bodyClass, name] of [
      ['Dark Modern', 'vscode-dark', '50-overview-dark'],
      ['Light Modern', 'vscode-light', '51-overview-light'],
      ['Dark High Contrast', 'vscode-high-contrast', '52-overview-high-contrast'],
      ['Light High Contrast', 'vscode-high-contrast-light', '53-overview-high-contrast-light'],
    ] as const) {
      await setTheme(wb, theme);
      const frame = await overview('.steps .step');
      await wb.capturing(`theme-${bodyClass}`, () =>
        frame.waitForFunction((c) => document.body.classList.contains(c), bodyClass, { timeout: 30_000 }),
      );
      await frame.evaluate(() => window.scrollTo(0, 0));
      await wb.page.waitForTimeout(500);
      await wb.screenshot(name);
    }
    await setTheme(wb, 'Light Modern');
  });

  test('hovering a span shows its event; the keyboard moves between spans and Enter opens one in the Event Log', async () => {
    const frame = await overview('g.lane rect.span');
    const span = frame.locator('g.lane[data-agent="Coder"] rect.span.kind-validation').first();
    await span.hover();
    const tip = frame.locator('.tooltip');
    await tip.waitFor({ state: 'visible', timeout: 5_000 });
    assert.match(await tip.innerText(), /^Coder: Validation: step 1, run by Agent OS/);
    await wb.screenshot('54-overview-hover');

    // One tab stop; arrows move; Down goes to the next lane.
    await frame.locator('g.lane[data-agent="Coordinator"] rect.span[tabindex="0"]').focus();
    await wb.page.keyboard.press('ArrowRight');
    await wb.page.keyboard.press('ArrowDown');
    const focused = await frame.evaluate(() => {
      const el = document.activeElement as Element | null;
      return {
        agent: el?.closest('g.lane')?.getAttribute('data-agent'),
        seq: Number(el?.getAttribute('data-seq')),
        tabindex: el?.getAttribute('tabindex'),
      };
    });
    assert.equal(focused.agent, 'Planner');
    assert.equal(focused.tabindex, '0');
    await wb.page.keyboard.press('Enter');
    const log = await wb.webviewFrame(`.viewport .row.revealed[data-seq="${focused.seq}"]`, 30_000);
    assert.ok(await log.locator('.row.revealed').isVisible());
    await wb.screenshot('55-overview-opened-event');
  });

  test("the Event Log's header opens the overview", async () => {
    const log = await wb.webviewFrame('#open-overview');
    await log.locator('#open-overview').click();
    await overview('.steps .step');
    await wb.page.locator('.tab.active', { hasText: /^Overview: / }).waitFor({ state: 'visible', timeout: 10_000 });
  });

  test('Show Changes and Approve and Create PR work from the overview', async () => {
    let frame = await overview('.section.verdict button[data-action="showChanges"]');
    await frame.locator('.section.verdict button[data-action="showChanges"]').click();
    const everyFile = wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Open every file' });
    if (
      await everyFile.waitFor({ state: 'visible', timeout: 15_000 }).then(
        () => true,
        () => false,
      )
    )
      await everyFile.click();
    await wb.capturing('overview-show-changes', () =>
      wb.page
        .locator('.monaco-diff-editor', { hasText: 'parseDuration' })
        .first()
        .waitFor({ state: 'visible', timeout: 30_000 }),
    );
    await wb.screenshot('55b-overview-show-changes');

    await wb.page.locator('.tab', { hasText: /^Overview: / }).click();
    frame = await overview('.section.verdict button[data-action="approve"]');
    await frame.locator('.section.verdict button[data-action="approve"]').click();
    await frame.waitForSelector('.section.verdict .pr-link', { timeout: 120_000 });
    const prs = demo.github.pullRequests();
    assert.equal(prs.length, 1);
    assert.match(
      await frame.locator('.section.verdict .answered').innerText(),
      new RegExp(`Pull request #${prs[0]!.number} is open`),
    );
    assert.equal(await frame.locator('.section.verdict button[data-action="approve"]').count(), 0);
    await wb.waitForTreeItem(new RegExp(`${title.source}.* — done`), 60_000);
    await wb.screenshot('56-overview-pull-request');
  });

  test('comes back after a reload, live from the log', async () => {
    await wb.reload();
    // The panel comes back as its tab; VS Code draws a webview only in an active tab, and which editor it
    // restores as active is its own choice, so a person clicks the tab when another editor is in front.
    const tab = wb.page.locator('.tab', { hasText: /^Overview: / });
    await wb.capturing('overview-tab-after-reload', () => tab.first().waitFor({ state: 'visible', timeout: 60_000 }));
    if (!(await tab.first().evaluate((t) => t.classList.contains('active')))) await tab.first().click();
    const frame: Frame = await overview('.section.verdict .pr-link', 60_000);
    assert.deepEqual(
      await frame.locator('.steps .step').evaluateAll((els) => els.map((e) => e.getAttribute('data-state'))),
      ['passed', 'passed'],
    );
    assert.equal(await frame.locator('g.lane').count(), 4);
    await wb.screenshot('57-overview-after-reload');
  });
});

/** Picks a colour theme in Preferences: Color Theme, as a person does; VS Code applies it live. */
async function setTheme(wb: Workbench, label: string): Promise<void> {
  // Not runCommand: "Preferences: Browse Color Themes in Marketplace" matches the title too.
  const rows = wb.page.locator('.quick-input-widget .monaco-list-row');
  await wb.page.keyboard.press('Escape');
  await wb.page.keyboard.press('Control+Shift+P');
  await wb.page.locator(QUICK_INPUT).fill('>Preferences: Color Theme');
  const command = rows
    .filter({ has: wb.page.locator('.label-name', { hasText: /^Preferences: Color Theme$/ }) })
    .first();
  await wb.capturing('theme-command', () => command.waitFor({ state: 'visible', timeout: 10_000 }));
  await command.click();
  // The theme picker is open once its list shows the built-in themes.
  await wb.capturing('theme-picker', () =>
    rows.filter({ hasText: 'Light Modern' }).first().waitFor({ state: 'visible', timeout: 15_000 }),
  );
  await wb.page.keyboard.type(label);
  await wb.capturing('theme-row', () =>
    wb.page
      .locator('.quick-input-widget .monaco-list-row.focused', { hasText: label })
      .first()
      .waitFor({ state: 'visible', timeout: 15_000 }),
  );
  await wb.page.keyboard.press('Enter');
  await wb.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
}
