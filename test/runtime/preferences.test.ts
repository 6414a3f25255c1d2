// Preference learning: a Request Changes in one session, a Reviewer's REJECT, a tool call the person denied with
// a reason, or the person's answers to the Planner's questions, is distilled (a scripted model call) into the
// repository's preferences document, with its provenance; the next session pins that version and gives it to its
// agents; the person's edit of the document is the next version; a session marked not to learn from teaches
// nothing; a lesson is given to the model once.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import type { EventOfType, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { PreferenceStore } from '../../src/node/preferences/preferenceStore.ts';
import { startDemoWorld } from '../support/demoWorld.ts';
import {
  approveText,
  coderTurns,
  coordinatorToReview,
  expecting,
  fenced,
  planText,
  README_FEEDBACK,
  reviewerApproveTurns,
  requestChangesScript,
  requestsOf,
  runToFirstVerdict,
  text,
  turn,
  verdictsOf,
} from '../pipeline/scriptParts.ts';
import { join } from 'node:path';
import { demoModelScript } from '../../src/testkit/demo/demoScript.ts';
import { samplePlan } from '../../src/testkit/demo/fixture/solution.ts';
import { makeTempRepo } from '../support/gitRepo.ts';
import { startScriptedRuntime } from '../support/scriptedRuntime.ts';
import { askerAgent } from '../harness/harnessWorld.ts';

const LEARNED = 'Document user-visible parsing changes in the README.';
const script = (): unknown => {
  const base = requestChangesScript([turn(text(approveText()))]) as { agents: Record<string, unknown[]> };
  return { agents: { ...base.agents, Preferences: [turn(text(`- ${LEARNED} (from 1)`))] } };
};
const pinnedOf = (events: readonly SessionEvent[]) =>
  events.find((e): e is EventOfType<'agent_os.preferences_pinned'> => e.type === 'agent_os.preferences_pinned');
const systemOf = (body: unknown): string => JSON.stringify((body as { system?: unknown }).system ?? '');
const learnedOf = (events: readonly SessionEvent[]) =>
  events.filter((e): e is EventOfType<'agent_os.preferences_learned'> => e.type === 'agent_os.preferences_learned');

test("a preference learned from a Request Changes reaches the next session's agents; an edit is a new version; a no-learn session teaches nothing", async () => {
  const world = await startDemoWorld(script(), { settings: { learnPreferences: true } });
  try {
    const { rt, sample } = world;
    // Session 1: the person asks for changes; the lesson is learned with where it came from.
    const { meta, verdict } = await runToFirstVerdict(world);
    assert.equal(pinnedOf(await rt.store.read(meta.id)), undefined, 'nothing to pin yet');
    await rt.runtime.requestChanges(meta.id, verdict.id, README_FEEDBACK);
    const events = await rt.store.read(meta.id);
    const learned = events.find(
      (e): e is EventOfType<'agent_os.preferences_learned'> => e.type === 'agent_os.preferences_learned',
    );
    const approval = events.find((e) => e.type === 'agent_os.approval');
    assert.deepEqual(learned?.lines, [{ text: LEARNED, source_event_id: approval?.id }]);
    assert.equal(learned?.version, 1);
    const request = requestsOf(rt.server, 'Preferences')[0];
    assert.match(JSON.stringify(request?.messages), /Please also document compound durations/);
    const store = new PreferenceStore(join(rt.storeDir, '.preferences'));
    const file = store.fileOf(sample.workdir);
    assert.match(
      readFileSync(file, 'utf8'),
      new RegExp(`- ${LEARNED} <!-- from session ${meta.id}, event ${approval?.id} -->`),
    );

    // Session 2: pins version 1; every agent's context carries it (without the provenance comments).
    const before = requestsOf(rt.server, 'Coordinator').length;
    const second = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir, learn: false });
    assert.equal((await rt.runtime.settled(second.id))?.type, 'requires_action');
    const secondEvents = await rt.store.read(second.id);
    assert.equal(pinnedOf(secondEvents)?.version, 1);
    const system = systemOf(requestsOf(rt.server, 'Coordinator')[before]);
    assert.match(system, /preferences for this repository[^"]*version 1/);
    assert.ok(system.includes(LEARNED));
    assert.doesNotMatch(system, /<!-- from session/);
    // Marked not to learn from: its Request Changes teaches nothing.
    await rt.runtime.requestChanges(second.id, verdictsOf(secondEvents)[0]!.id, 'Never use tabs.');
    assert.equal((await rt.store.read(second.id)).filter((e) => e.type === 'agent_os.preferences_learned').length, 0);
    assert.equal(requestsOf(rt.server, 'Preferences').length, 1);

    // The person edits the document: the next session pins it as version 2.
    writeFileSync(file, `${readFileSync(file, 'utf8')}- Keep functions under 40 lines.\n`);
    const third = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir });
    await rt.runtime.settled(third.id);
    const pinned = pinnedOf(await rt.store.read(third.id));
    assert.equal(pinned?.version, 2);
    assert.match(pinned?.text ?? '', /Keep functions under 40 lines/);
  } finally {
    await world.close();
  }
});

test("a Reviewer's REJECT is learned when the session stops for the person, reaches the next session, and is given to the model once", async () => {
  const RULE = 'Test that formatting and parsing a duration round-trips.';
  const base = demoModelScript() as { agents: Record<string, unknown[]> };
  const world = await startDemoWorld(
    { agents: { ...base.agents, Preferences: [turn(text(`- ${RULE} (from 1)`))] } },
    { settings: { learnPreferences: true } },
  );
  try {
    const { rt, sample } = world;
    const meta = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir });
    assert.equal((await rt.runtime.settled(meta.id))?.type, 'requires_action');
    const events = await rt.store.read(meta.id);
    const reject = verdictsOf(events).find((v) => v.verdict.decision === 'REJECT');
    assert.ok(reject, 'the demo has one REJECT round');
    const learned = events.filter(
      (e): e is EventOfType<'agent_os.preferences_learned'> => e.type === 'agent_os.preferences_learned',
    );
    assert.equal(learned.length, 1);
    assert.deepEqual(learned[0]?.lines, [{ text: RULE, source_event_id: reject.id }]);
    assert.deepEqual(learned[0]?.considered_event_ids, [reject.id]);
    // The model was shown the rejection itself: its summary and its fixes.
    const asked = JSON.stringify(requestsOf(rt.server, 'Preferences')[0]?.messages);
    assert.match(asked, /review rejection/);
    assert.match(asked, /parseDuration\(formatDuration\(ms\)\) === ms/);

    // The next session's agents get it; that session (marked not to learn from) asks the model nothing.
    const second = await rt.runtime.start({ task: 'Add a README section.', repository: sample.workdir, learn: false });
    await rt.runtime.settled(second.id);
    const pinned = pinnedOf(await rt.store.read(second.id));
    assert.equal(pinned?.version, 1);
    assert.ok(pinned?.text.includes(RULE));
    assert.ok(systemOf(requestsOf(rt.server, 'Coordinator').at(-1)).includes(RULE));
    assert.equal(requestsOf(rt.server, 'Preferences').length, 1);
  } finally {
    await world.close();
  }
});

test('lessons answered NONE are not given to the model again', async () => {
  const base = demoModelScript() as { agents: Record<string, unknown[]> };
  const world = await startDemoWorld(
    { agents: { ...base.agents, Preferences: [turn(text('NONE'))] } },
    { settings: { learnPreferences: true } },
  );
  try {
    const { rt, sample } = world;
    const meta = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir });
    await rt.runtime.settled(meta.id);
    const learned = (await rt.store.read(meta.id)).filter(
      (e): e is EventOfType<'agent_os.preferences_learned'> => e.type === 'agent_os.preferences_learned',
    );
    assert.equal(learned.length, 1);
    assert.equal(learned[0]?.version, undefined);
    assert.deepEqual(learned[0]?.lines, []);
    assert.equal(learned[0]?.considered_event_ids?.length, 1);
    await rt.runtime.resume(meta.id);
    assert.equal(requestsOf(rt.server, 'Preferences').length, 1);
    assert.equal(
      await new PreferenceStore(join(rt.storeDir, '.preferences')).current(sample.workdir),
      undefined,
      'no document was made',
    );
  } finally {
    await world.close();
  }
});

test("a tool call denied with a reason is learned, with the call it refused, and reaches the next session's agent", async () => {
  const DENIAL = 'Never delete the build folder: the release script needs it.';
  const RULE = 'Do not delete the build folder.';
  const repo = makeTempRepo({ 'README.md': '# x\n', '.agents/asker.md': askerAgent() });
  const rt = await startScriptedRuntime(
    repo.root,
    {
      agents: {
        asker: [
          turn({ type: 'tool_use', name: 'bash', input: { command: 'rm -rf build' } }),
          expecting(DENIAL, text('Understood, I will leave it.')),
        ],
        Preferences: [turn(text(`- ${RULE} (from 1)`))],
      },
    },
    { settings: { learnPreferences: true } },
  );
  try {
    const meta = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'asker', prompt: 'Clean up.' });
    assert.equal((await rt.runtime.settled(meta.id))?.type, 'requires_action');
    const use = (await rt.store.read(meta.id)).find((e) => e.type === 'agent.tool_use');
    assert.ok(use);
    // Waiting for the person is a stop, but a question is no lesson: the model is not asked yet.
    assert.equal(requestsOf(rt.server, 'Preferences').length, 0);
    await rt.runtime.confirmTool(meta.id, use.id, false, DENIAL);
    const events = await rt.store.read(meta.id);
    const denial = events.find((e) => e.type === 'user.tool_confirmation');
    const learned = learnedOf(events);
    assert.equal(learned.length, 1);
    assert.deepEqual(learned[0]?.lines, [{ text: RULE, source_event_id: denial?.id }]);
    assert.deepEqual(learned[0]?.considered_event_ids, [denial?.id]);
    // The model was shown the reason and the call it refused.
    const asked = JSON.stringify(requestsOf(rt.server, 'Preferences')[0]?.messages);
    assert.ok(asked.includes(`(tool denial) ${DENIAL}`), asked);
    assert.match(asked, /denied bash .*rm -rf build/);
    const store = new PreferenceStore(join(rt.storeDir, '.preferences'));
    assert.match(
      readFileSync(store.fileOf(repo.repo), 'utf8'),
      new RegExp(`- ${RULE} <!-- from session ${meta.id}, event ${denial?.id} -->`),
    );

    // The next session pins it and its agent's context carries it.
    const before = requestsOf(rt.server, 'asker').length;
    const next = await rt.runtime.startSingleAgent({
      repository: repo.repo,
      agent: 'asker',
      prompt: 'Clean up again.',
    });
    await rt.runtime.settled(next.id);
    assert.equal(pinnedOf(await rt.store.read(next.id))?.version, 1);
    const system = systemOf(requestsOf(rt.server, 'asker')[before]);
    assert.match(system, /preferences for this repository[^"]*version 1/);
    assert.ok(system.includes(RULE), system);
  } finally {
    await rt.close();
    repo.cleanup();
  }
});

test("the person's answers to the Planner's questions are learned, each with its question, and reach the next session's agents", async () => {
  const QUESTION = 'Should "1h30m" also accept spaces, as in "1h 30m"?';
  const RULE = 'Durations never contain spaces.';
  const unsure = { ...samplePlan, confidence: 0.4, questions: [QUESTION] };
  const world = await startDemoWorld(
    {
      agents: {
        Coordinator: coordinatorToReview(),
        Planner: [
          turn(text(`Here is the plan.\n\n${fenced(unsure)}`)),
          expecting('The person answered your questions', text(planText())),
        ],
        Coder: coderTurns(),
        Reviewer: reviewerApproveTurns(),
        Preferences: [turn(text(`- ${RULE} (from 1)`))],
      },
    },
    { settings: { learnPreferences: true } },
  );
  try {
    const { rt, sample } = world;
    const meta = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir });
    assert.equal((await rt.runtime.settled(meta.id))?.type, 'requires_action');
    const questions = (await rt.store.read(meta.id)).find(
      (e): e is EventOfType<'agent_os.questions_asked'> => e.type === 'agent_os.questions_asked',
    );
    assert.ok(questions);
    assert.equal(requestsOf(rt.server, 'Preferences').length, 0, 'questions are no lesson; answers are');
    const answers = ['No: spaces stay invalid.', ...questions.questions.slice(1).map(() => 'go ahead')];
    await rt.runtime.answerQuestions(meta.id, questions.id, answers);
    const events = await rt.store.read(meta.id);
    assert.equal(verdictsOf(events).length, 1, 'the session ran on to the verdict');
    const answered = events.find((e) => e.type === 'agent_os.questions_answered');
    const learned = learnedOf(events);
    assert.equal(learned.length, 1);
    assert.deepEqual(learned[0]?.lines, [{ text: RULE, source_event_id: answered?.id }]);
    const asked = JSON.stringify(requestsOf(rt.server, 'Preferences')[0]?.messages);
    assert.ok(
      asked.includes(`(answer) Q: ${JSON.stringify(QUESTION).slice(1, -1)} A: No: spaces stay invalid.`),
      asked,
    );

    // The next session (marked not to learn from) pins it; its agents' context carries it.
    const before = requestsOf(rt.server, 'Coordinator').length;
    const next = await rt.runtime.start({ task: 'Add a README section.', repository: sample.workdir, learn: false });
    await rt.runtime.settled(next.id);
    assert.equal(pinnedOf(await rt.store.read(next.id))?.version, 1);
    assert.ok(systemOf(requestsOf(rt.server, 'Coordinator')[before]).includes(RULE));
    assert.equal(requestsOf(rt.server, 'Preferences').length, 1);
  } finally {
    await world.close();
  }
});

test("a session marked not to learn from after it started (VS Code's Don't Learn from Session) teaches nothing from then on", async () => {
  const repo = makeTempRepo({ 'README.md': '# x\n', '.agents/asker.md': askerAgent() });
  const rt = await startScriptedRuntime(
    repo.root,
    {
      agents: {
        asker: [
          turn({ type: 'tool_use', name: 'bash', input: { command: 'rm -rf build' } }),
          expecting('Keep the build folder.', text('Understood.')),
        ],
        Preferences: [turn(text('- Do not delete the build folder. (from 1)'))],
      },
    },
    { settings: { learnPreferences: true } },
  );
  try {
    const meta = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'asker', prompt: 'Clean up.' });
    assert.equal((await rt.runtime.settled(meta.id))?.type, 'requires_action');
    // The mark the CLI's --no-learn sets at creation, set now on the session's metadata.
    await rt.store.updateMeta(meta.id, { metadata: { ...meta.metadata, learn: 'no' } });
    const use = (await rt.store.read(meta.id)).find((e) => e.type === 'agent.tool_use');
    await rt.runtime.confirmTool(meta.id, use!.id, false, 'Keep the build folder.');
    const events = await rt.store.read(meta.id);
    assert.ok(events.some((e) => e.type === 'user.tool_confirmation' && e.result === 'deny'));
    assert.deepEqual(learnedOf(events), []);
    assert.equal(requestsOf(rt.server, 'Preferences').length, 0);
  } finally {
    await rt.close();
    repo.cleanup();
  }
});
