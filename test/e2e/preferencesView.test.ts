// Learned preferences in a real VS Code on the scripted model, with agentOs.learnPreferences on: the person's
// Request Changes on a verdict is distilled (the scripted Preferences call) into a preference, which the
// Preferences view shows with where it came from; Edit Preferences opens the document, where a line the person
// types and saves shows as theirs; the learned line's trash button deletes it, as the next version on disk. A
// session marked Don't Learn from Session (its row's context menu) teaches nothing from its Request Changes.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { preferenceStoreOf } from '../../src/node/preferences/preferenceStore.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import type { ScriptedModelServer } from '../../src/testkit/model/scriptedModelServer.ts';
import type { Frame } from 'playwright-core';
import type { Workbench } from './support/codeServer.ts';
import { openScriptedWorkspace, type ScriptedWorkspace } from './support/scriptedWorkspace.ts';

const TASK = 'Add a health check';
const FEEDBACK = 'Log every health check result, and say so in the README.';
const LEARNED = 'Log the result of every health check.';
const MINE = 'Keep pull requests small.';

const tool = (name: string, input: Record<string, unknown>) => ({ type: 'tool_use', name, input });
const text = (t: string) => ({ type: 'text', text: t });
const SCRIPT = {
  agents: {
    Coordinator: [
      { content: [tool('send_to_agent', { agent_name: 'Reviewer', message: 'Review the repository as it is.' })] },
      {
        content: [text('The person asked for changes; stopping here for this check.')],
        expect: { last_user_text_includes: 'requested changes' },
      },
    ],
    Reviewer: [{ content: [text('```json\n{ "decision": "APPROVE", "summary": "Nothing to change." }\n```')] }],
    Preferences: [{ content: [text(`- ${LEARNED} (from 1)`)] }],
  },
};

describe('the Preferences view', { timeout: 300_000 }, () => {
  let world: ScriptedWorkspace;
  let repo: string;
  let sessions: string;
  let model: ScriptedModelServer;
  let wb: Workbench;

  before(async () => {
    world = await openScriptedWorkspace({
      prefix: 'agent-os-e2e-prefs-',
      files: { 'README.md': '# service\n' },
      script: SCRIPT,
      settings: { 'agentOs.learnPreferences': true },
    });
    ({ repo, sessions, model, wb } = world);
  });

  after(async () => {
    await world?.close();
  });

  const pane = () =>
    wb.page.locator('.pane', { has: wb.page.locator('.pane-header', { hasText: /^preferences/i }) }).first();
  const rows = () => pane().locator('.monaco-list-row');
  const rowTexts = async () => (await rows().allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  const waitForRows = async (check: (texts: string[]) => boolean, what: string) => {
    const deadline = Date.now() + 60_000;
    let last: string[] = [];
    while (Date.now() < deadline) {
      last = await rowTexts().catch(() => []);
      if (check(last)) return last;
      await new Promise((r) => setTimeout(r, 250));
    }
    await wb.screenshot(`failed-preferences-${Date.now()}`);
    throw new Error(`${what}; the Preferences view shows ${JSON.stringify(last)}`);
  };

  test('a Request Changes is learned and shown with where it came from', async () => {
    await wb.runCommandAndPick('Agent OS: Plan and Implement Issue', 'Describe a task');
    await wb.answerInputTitled('Describe a task', TASK);
    const frame = await wb.webviewFrame('.card.verdict vscode-button[data-action="requestChanges"]', 120_000);
    await frame.locator('.card.verdict vscode-button[data-action="requestChanges"]').click();
    await wb.answerInputTitled('Request Changes', FEEDBACK);
    await wb.waitForTreeItem(new RegExp(`^${TASK} — idle`), 60_000);
    // The person's words went to the distilling call; its line is the repository's preference now.
    assert.ok(model.requests.some((r) => r.agent === 'Preferences' && JSON.stringify(r.body).includes(FEEDBACK)));
    const header = pane().locator('.pane-header');
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    const shown = await waitForRows((t) => t.some((r) => r.includes(LEARNED)), 'the learned line shows');
    assert.ok(
      shown.some((r) => r.includes(LEARNED) && r.endsWith(`from ${TASK}`)),
      JSON.stringify(shown),
    );
    await wb.screenshot('50-preferences-learned');
  });

  test('Edit Preferences opens the document; a saved line of the person shows as theirs', async () => {
    await pane().hover();
    await pane().locator('.pane-header .action-label[aria-label="Edit Preferences"]').click();
    const editor = wb.page.locator('.editor-instance .monaco-editor').first();
    await editor.waitFor({ state: 'visible', timeout: 20_000 });
    await wb.page.locator('.tab', { hasText: 'preferences.md' }).first().waitFor({ timeout: 20_000 });
    await editor.click();
    await wb.page.keyboard.press('Control+End');
    await wb.page.keyboard.type(`- ${MINE}\n`);
    await wb.page.keyboard.press('Control+S');
    const shown = await waitForRows((t) => t.some((r) => r.includes(MINE)), "the person's line shows");
    assert.ok(
      shown.some((r) => r.includes(MINE) && r.endsWith('added by you')),
      JSON.stringify(shown),
    );
    await wb.screenshot('51-preferences-edited');
  });

  test('the trash button deletes the learned line as the next version', async () => {
    const row = rows().filter({ hasText: LEARNED }).first();
    await row.hover();
    await row.locator('.action-label[aria-label="Delete Preference"]').click();
    await waitForRows(
      (t) => !t.some((r) => r.includes(LEARNED)) && t.some((r) => r.includes(MINE)),
      "the learned line goes, the person's stays",
    );
    const file = preferenceStoreOf(sessions).fileOf(repo);
    const onDisk = readFileSync(file, 'utf8');
    assert.doesNotMatch(onDisk, new RegExp(LEARNED));
    assert.match(onDisk, new RegExp(MINE));
    // v1 learned, v2 the person's edit, v3 the deletion.
    assert.deepEqual(readdirSync(dirname(file)).sort(), ['preferences.md', 'v1.md', 'v2.md', 'v3.md']);
    await wb.screenshot('52-preferences-deleted');
  });

  test("Don't Learn from Session on a session's row: its Request Changes teaches nothing", async () => {
    const task = 'Add a metrics endpoint';
    const feedback = 'Name every metric in snake_case.';
    const asked = () => model.requests.filter((r) => r.agent === 'Preferences').length;
    const before = asked();
    await wb.runCommandAndPick('Agent OS: Plan and Implement Issue', 'Describe a task');
    await wb.answerInputTitled('Describe a task', task);
    await wb.waitForTreeItem(new RegExp(`^${task} — waiting for you`), 120_000);
    const row = wb.threadsPane().locator('.monaco-list-row', { hasText: task }).first();
    await row.click({ button: 'right' });
    const item = wb.page.locator('.context-view .action-label', { hasText: "Don't Learn from Session" });
    await wb.capturing('no-learn-menu', () => item.waitFor({ state: 'visible', timeout: 15_000 }));
    await wb.screenshot('53-dont-learn-menu');
    await item.click();
    await wb.waitForNotification(/teaches no preferences from now on/);
    const meta = (await new FileSessionStore(sessions).list()).find((m) => m.title === task);
    assert.ok(meta);
    assert.equal(meta.metadata['learn'], 'no', 'the same mark as `agent-os run --no-learn`');

    // Its verdict card: the one in the Event Log of this session.
    const button = '.card.verdict vscode-button[data-action="requestChanges"]';
    const deadline = Date.now() + 60_000;
    let frame: Frame | undefined;
    while (!frame && Date.now() < deadline) {
      for (const f of wb.page.frames()) {
        const text = await f
          .locator('body')
          .innerText({ timeout: 1_000 })
          .catch(() => '');
        if (text.includes(task) && (await f.$(button).catch(() => null))) frame = f;
      }
      if (!frame) await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(frame, "the new session's verdict card");
    await frame.locator(button).click();
    await wb.answerInputTitled('Request Changes', feedback);
    await wb.waitForTreeItem(new RegExp(`^${task} — idle`), 60_000);
    const events = await new FileSessionStore(sessions).read(meta.id);
    assert.ok(events.some((e) => e.type === 'agent_os.approval' && e.decision === 'reject'));
    assert.equal(events.filter((e) => e.type === 'agent_os.preferences_learned').length, 0);
    assert.equal(asked(), before, 'the preferences model was not asked');
    assert.ok(!model.requests.some((r) => JSON.stringify(r.body).includes(feedback) && r.agent === 'Preferences'));
    await wb.screenshot('54-dont-learn-idle');
  });
});
