// The Planner's questions before the Coder starts, in a real VS Code on the scripted model: a plan with an open
// question and a low confidence makes the session wait — "waiting for you" in the Threads tree, one
// notification offering Answer…, and a question card in the Event Log. The person types the answers in the
// card; they reach the Planner (its next request carries them), whose revised plan goes on. Then the session is
// forked from the questions' row (the Event Log's context menu, Fork Session from Here): the fork asks the same
// questions again, and a different answer reaches the fork's Planner — a bad decision retried.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ScriptedModelServer } from '../../src/testkit/model/scriptedModelServer.ts';
import type { Workbench } from './support/codeServer.ts';
import { openScriptedWorkspace, type ScriptedWorkspace } from './support/scriptedWorkspace.ts';

const QUESTION = 'Should a bare number such as "90" mean minutes or seconds?';
const ANSWER = 'Seconds, as the README says.';
const FORK_ANSWER = 'Minutes: that is what our users type.';
const TASK = 'Parse bare durations';

const tool = (name: string, input: Record<string, unknown>) => ({ type: 'tool_use', name, input });
const text = (t: string) => ({ type: 'text', text: t });
const plan = (confidence: number, questions: string[]) =>
  '```json\n' +
  JSON.stringify({
    summary: 'Read a bare number as a duration.',
    steps: [
      {
        id: '1',
        title: 'Parse bare numbers',
        description: 'In src/parse.js, read a bare number.',
        files: ['src/parse.js'],
        validation: 'node --test',
        confidence,
      },
    ],
    confidence,
    ...(questions.length ? { questions } : {}),
  }) +
  '\n```';
const SCRIPT = {
  agents: {
    Coordinator: [
      { content: [tool('send_to_agent', { agent_name: 'Planner', message: 'Plan how to parse bare durations.' })] },
      {
        content: [text('The plan is confirmed; stopping before the Coder for this check.')],
        expect: { last_user_text_includes: 'Plan accepted' },
      },
    ],
    Planner: [
      { content: [text(plan(0.4, [QUESTION]))] },
      // The revised plan, after the answers (the run's and the fork's: checked from the requests below).
      { content: [text(plan(0.9, []))] },
    ],
  },
};

describe("the Planner's questions in VS Code", { timeout: 400_000 }, () => {
  let world: ScriptedWorkspace;
  let model: ScriptedModelServer;
  let wb: Workbench;

  before(async () => {
    world = await openScriptedWorkspace({
      prefix: 'agent-os-e2e-questions-',
      files: { 'README.md': '# durations\n', 'src/parse.js': 'module.exports = (s) => Number(s);\n' },
      script: SCRIPT,
    });
    ({ model, wb } = world);
  });

  after(async () => {
    await world?.close();
  });

  test('a low-confidence plan asks in the tree, a notification and the Event Log card; the answer reaches the Planner', async () => {
    await wb.runCommandAndPick('Agent OS: Plan and Implement Issue', 'Describe a task');
    await wb.answerInputTitled('Describe a task', TASK);
    await wb.waitForTreeItem(new RegExp(`^${TASK} — waiting for you`), 120_000);
    await wb.waitForNotification(
      /^The Planner asks before the Coder starts on "Parse bare durations": Should a bare number .* \(\+1 more\) — Answer… · Open Event Log/,
      30_000,
    );
    const frame = await wb.webviewFrame('.card.questions textarea', 60_000);
    const card = frame.locator('.card.questions');
    const shown = await card.innerText();
    assert.match(shown, /The Planner has questions before the Coder starts/);
    assert.match(shown, /The plan's confidence: 40%/);
    assert.ok(shown.includes(`1. ${QUESTION}`), shown);
    assert.match(shown, /2\. The Planner's confidence in this plan is 40%\. Is the plan right\?/);
    assert.ok(!plannerSawText(model, ANSWER), 'the Planner has not been told anything yet');
    await card.locator('textarea[data-answer="0"]').fill(ANSWER);
    await card.locator('textarea[data-answer="1"]').fill('go ahead');
    await wb.screenshot('40-questions-card');
    await card.locator('vscode-button[data-action="answerQuestions"]').click();
    await waitFor(async () => plannerSawText(model, ANSWER), 'the Planner is sent the answer');
    await wb.waitForTreeItem(new RegExp(`^${TASK} — idle`), 60_000);
    await waitFor(async () => (await frame.locator('.card.questions').count()) === 0, 'the card goes once answered');
    await waitFor(
      async () => !(await wb.notifications()).some((t) => t.startsWith('The Planner asks')),
      'the notification closes',
    );
    const revised = model.requests.filter((r) => r.agent === 'Planner' && r.outcome.kind === 'turn').at(-1);
    assert.match(JSON.stringify(revised?.body), /Q: Should a bare number.*A: Seconds, as the README says\./);
    assert.ok(
      model.requests.every((r) => r.outcome.kind === 'turn'),
      'every request matched the script',
    );
    await wb.screenshot('41-questions-answered');
  });

  test('Fork Session from Here on the questions asks them again in the fork; another answer reaches its Planner', async () => {
    const frame = await wb.webviewFrame('.row .title', 30_000);
    const row = frame
      .locator('.row', { has: frame.locator('.title', { hasText: 'The Planner asks you before the Coder starts' }) })
      .first();
    await row.scrollIntoViewIfNeeded();
    await row.click({ button: 'right' });
    const item = wb.page.locator('.context-view .action-label', { hasText: 'Fork Session from Here' });
    await wb.capturing('fork-menu', () => item.waitFor({ state: 'visible', timeout: 15_000 }));
    await wb.screenshot('42-fork-context-menu');
    await item.click();
    await wb.waitForTreeItem(new RegExp(`^${TASK} \\(fork at \\d+\\) — waiting for you`), 120_000);
    // The fork's Event Log opens with its own question card; the source's was answered and has none.
    const forkFrame = await wb.webviewFrame('.card.questions textarea', 60_000);
    const card = forkFrame.locator('.card.questions');
    await card.locator('textarea[data-answer="0"]').fill(FORK_ANSWER);
    await card.locator('vscode-button[data-action="answerQuestions"]').click();
    await waitFor(async () => plannerSawText(model, FORK_ANSWER), "the fork's Planner is sent the other answer");
    await wb.waitForTreeItem(new RegExp(`^${TASK} \\(fork at \\d+\\) — idle`), 60_000);
    await wb.waitForTreeItem(new RegExp(`^${TASK} — idle`));
    const forkAsk = model.requests
      .filter((r) => r.agent === 'Planner' && JSON.stringify(r.body).includes(FORK_ANSWER))
      .at(-1);
    assert.doesNotMatch(
      JSON.stringify(forkAsk?.body),
      /Seconds, as the README says/,
      'the fork kept the log before the first answer only',
    );
    await wb.screenshot('43-fork-answered');
  });
});

function plannerSawText(model: ScriptedModelServer, needle: string): boolean {
  return model.requests.some((r) => r.agent === 'Planner' && JSON.stringify(r.body).includes(needle));
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
